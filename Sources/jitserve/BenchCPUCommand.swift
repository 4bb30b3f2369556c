import ArgumentParser
import Foundation
import JITServeCPU
import JITServeCore

/// `jitserve bench cpu`: decode and prefill throughput and memory of the CPU executor on the
/// real model. `scripts/bench_cpu_vs_llamacpp.sh` runs it beside llama.cpp and prints ratios.
struct BenchCPUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpu",
        abstract: "Decode tokens/s (1, 4, 16 streams), 512-token prefill tokens/s and resident memory of the CPU executor.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Kernel threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Decode steps timed per stream count.")
    var decodeSteps = 64

    @Option(help: "Batches of at least this many tokens use OpenBLAS SGEMM (0: never).")
    var sgemmThreshold = 48

    @OptionGroup var output: OutputOptions

    func run() throws {
        let startedAt = ContinuousClock.now
        let executor: CPUExecutor
        do {
            let path = try ModelStore().resolve(model.cpuModel, pullIfMissing: true, log: Console.error)
            executor = try CPUExecutor(modelPath: path, threadCount: threads, kvCacheBytes: 1 << 30)
        } catch let error as CPUError {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
        executor.model.sgemmThreshold = sgemmThreshold > 0 ? sgemmThreshold : Int.max
        let loadSeconds = (ContinuousClock.now - startedAt).seconds
        var options = CPUBenchmark.Options()
        options.decodeSteps = decodeSteps
        var benchmark = CPUBenchmark(executor: executor, options: options)
        let result = try benchmark.run(loadSeconds: loadSeconds) { Console.error("  " + $0) }

        print("jitserve CPU executor, \(result.threads) threads (weights \(executor.model.weights.byteCount >> 20) MiB in memory)")
        print(String(format: "  load                     %8.2f s", result.loadSeconds))
        for streams in options.streamCounts {
            let rate = result.decodeTokensPerSecond[String(streams)] ?? 0
            print(String(format: "  decode %2d stream(s)      %8.1f tokens/s (aggregate)", streams, rate))
        }
        print(String(format: "  prefill %d tokens       %8.1f tokens/s", options.prefillLength, result.prefillTokensPerSecond))
        print(String(format: "  decode %d x %d context  %8.1f tokens/s (aggregate)",
                     options.longContextStreams, options.longContext, result.longContextDecodeTokensPerSecond))
        print(String(format: "  resident after load      %8.1f MiB", result.residentMiBAfterLoad))
        print(String(format: "  resident, %d x %d ctx   %8.1f MiB", options.longContextStreams, options.longContext,
                     result.residentMiBWithLongContexts))
        try output.write(result)
    }
}
