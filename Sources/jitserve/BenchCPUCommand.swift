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

    @Option(help: "Batches of at least this many tokens use OpenBLAS SGEMM (0: never; with q8 activations, matrices of whole eight-row groups never do).")
    var sgemmThreshold = 48

    @Option(help: "KV cache element type: fp32 (default) or fp16 (as llama.cpp keeps it).")
    var kvCacheDtype: KVCacheDataType = .float32

    @Option(help: "Decode activations: fp32 (default) or q8 (byte dot products, as llama.cpp).")
    var activationDtype: ActivationDataType = .float32

    @Option(help: "Decode stream counts, comma-separated.")
    var streams = "1,4,16"

    @Option(help: "Prefill length in tokens (0: skip the prefill measurement).")
    var prefillTokens = 512

    @Option(help: "Context of the long-context decode streams (0: skip that measurement).")
    var longContext = 1024

    @Option(help: "What throughput divides by: wall time, or this process's CPU time (steadier on a busy machine; spinning workers count).")
    var clock: CPUBenchmark.Clock = .wall

    @OptionGroup var output: OutputOptions

    var streamCounts: [Int] { streams.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard decodeSteps >= 1 else { throw ValidationError("--decode-steps must be at least 1") }
        let counts = streamCounts
        guard counts.count == streams.split(separator: ",", omittingEmptySubsequences: false).count, counts.allSatisfy({ (1...256).contains($0) }) else {
            throw ValidationError("--streams must be comma-separated counts in 1...256, got '\(streams)'")
        }
        guard (0...8192).contains(prefillTokens) else { throw ValidationError("--prefill-tokens must be in 0...8192") }
        guard (0...8192).contains(longContext) else { throw ValidationError("--long-context must be in 0...8192") }
    }

    func run() throws {
        let startedAt = ContinuousClock.now
        let executor: CPUExecutor
        do {
            let path = try ModelStore().resolve(model.cpuModel, pullIfMissing: true, log: Console.error)
            executor = try CPUExecutor(
                modelPath: path, threadCount: threads, kvCacheBytes: 1 << 30, kvCacheDataType: kvCacheDtype)
        } catch let error as CPUError {
            Console.error("Error: \(error)")
            throw ExitCode.failure
        }
        executor.model.sgemmThreshold = sgemmThreshold > 0 ? sgemmThreshold : Int.max
        executor.model.activationDataType = activationDtype
        let loadSeconds = (ContinuousClock.now - startedAt).seconds
        var options = CPUBenchmark.Options()
        options.decodeSteps = decodeSteps
        options.streamCounts = streamCounts
        options.prefillLength = prefillTokens
        options.longContext = longContext
        options.clock = clock
        var benchmark = CPUBenchmark(executor: executor, options: options)
        let result = try benchmark.run(loadSeconds: loadSeconds) { Console.error("  " + $0) }

        print("jitserve CPU executor, \(result.threads) threads (weights \(executor.model.weights.byteCount >> 20) MiB in memory, KV \(kvCacheDtype.rawValue), activations \(activationDtype.rawValue)\(clock == .cpu ? ", tokens per CPU second" : ""))")
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
        for (name, _) in CPUBenchmark.samplingSettings {
            guard let microseconds = result.samplingMicrosecondsPerToken[name] else { continue }
            print(String(format: "  sampling, %@%@ %8.1f µs a token", name,
                         String(repeating: " ", count: max(0, 26 - name.count)), microseconds))
        }
        try output.write(result)
    }
}
