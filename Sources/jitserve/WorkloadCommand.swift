import ArgumentParser
import Foundation
import JITServeSimulation

/// `jitserve workload`: builds a workload exactly as `simulate` would and prints what it asks of
/// a server (arrivals, calls and tokens per class), without simulating it.
struct WorkloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload",
        abstract: "Describe a workload: arrivals, calls and tokens per class, and how long it took to build.",
        discussion: """
            Idle-feasible counts the workflows that could meet their deadline alone on an idle \
            replica (prefill at --prefill-rate tokens/s, decode at --decode-ms per token).
            """
    )

    @OptionGroup var workload: WorkloadOptions

    @Option(help: "Prefill tokens per second of the idle-replica estimate.")
    var prefillRate: Double = 10_000

    @Option(help: "Milliseconds per decoded token of the idle-replica estimate.")
    var decodeMs: Double = 25

    func validate() throws {
        guard prefillRate > 0, prefillRate.isFinite else { throw ValidationError("--prefill-rate must be positive") }
        guard decodeMs > 0, decodeMs.isFinite else { throw ValidationError("--decode-ms must be positive") }
    }

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let built = try workload.make()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let statistics = WorkloadStatistics(
            built, prefillTokensPerSecond: prefillRate, decodeTime: .milliseconds(decodeMs))
        print(statistics.table())
        print("built in \(Int((elapsed * 1000).rounded())) ms (seed \(workload.seed))")
    }
}
