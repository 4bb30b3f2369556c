import ArgumentParser
import Foundation
import JITServeCore
import JITServeEngine
import JITServeHTTP
import JITServeScheduling

/// `jitserve bench http`: what the HTTP layer itself costs, measured through a real server on
/// loopback with the zero-cost echo executor (no model, no compute time).
struct BenchHTTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Streaming throughput and added per-token latency through HTTP, and memory across cut streams.",
        discussion: """
            Runs `jitserve serve`'s server in this process on 127.0.0.1 with the echo executor and \
            drives it with raw-socket SSE clients on their own threads (server and clients share \
            the machine's cores). Three phases: (1) throughput: concurrent streams from an executor \
            that costs nothing; (2) added latency: the executor paced at --paced-ms per iteration, \
            each token's arrival at the client minus the instant the engine released it; (3) \
            resident memory before and after --cuts streams cut mid-way.
            """
    )

    @Option(help: "Concurrent streams in phases 1 and 2.")
    var streams = 8
    @Option(help: "Tokens per stream in phase 1.")
    var tokens = 4000
    @Option(help: "Modelled milliseconds per iteration in phases 2 and 3.")
    var pacedMs = 2.0
    @Option(help: "Tokens per stream in phase 2.")
    var pacedTokens = 1000
    @Option(help: "Streams cut mid-way in phase 3.")
    var cuts = 1000
    @Option(help: "Streams cut at once in phase 3.")
    var cutConcurrency = 50

    func validate() throws {
        guard (1...256).contains(streams) else { throw ValidationError("--streams must be in 1...256") }
        guard (1...100_000).contains(tokens) else { throw ValidationError("--tokens must be in 1...100000") }
        guard pacedMs > 0, pacedMs <= 100 else { throw ValidationError("--paced-ms must be in (0, 100]") }
        guard (2...10_000).contains(pacedTokens) else { throw ValidationError("--paced-tokens must be in 2...10000") }
        guard (0...100_000).contains(cuts) else { throw ValidationError("--cuts must be in 0...100000") }
        guard (1...512).contains(cutConcurrency) else { throw ValidationError("--cut-concurrency must be in 1...512") }
    }

    func run() async throws {
        print("jitserve bench http: loopback, echo executor, \(ProcessInfo.processInfo.activeProcessorCount) cores shared by server and clients")
        // Phase 1: throughput.
        do {
            let bench = try await HTTPBenchServer.start(iteration: .zero, maxModelLength: tokens + 64)
            let started = Date()
            let results = SSEBenchClient.run(count: streams, port: bench.port, maxTokens: tokens, clock: bench.engine.clock)
            let seconds = Date().timeIntervalSince(started)
            let received = results.reduce(0) { $0 + $1.tokenTimes.count }
            let failed = results.filter { $0.error != nil }
            await bench.stop()
            print("phase 1 throughput: \(streams) streams × \(tokens) tokens, zero-cost executor")
            print("  streamed tokens/s            \(Int(Double(received) / seconds))  (\(received) tokens in \(String(format: "%.2f", seconds)) s, \(failed.count) failed streams)")
            if let error = failed.first?.error { print("  first failure: \(error)") }
        }
        // Phase 2: added latency per token under a paced executor.
        do {
            let bench = try await HTTPBenchServer.start(
                iteration: .microseconds(Int64(pacedMs * 1000)), maxModelLength: pacedTokens + 64)
            let results = SSEBenchClient.run(count: streams, port: bench.port, maxTokens: pacedTokens, clock: bench.engine.clock)
            try await Task.sleep(for: .milliseconds(100))
            await bench.stop()
            var added: [Double] = []
            for result in results {
                guard let id = result.requestID, let record = bench.records.record(id) else { continue }
                let released = record.timeline.tokenDeliveredAt
                for (k, arrived) in result.tokenTimes.enumerated() where k < released.count {
                    added.append((arrived.seconds - released[k].seconds) * 1000)
                }
            }
            added.sort()
            func pct(_ p: Double) -> String {
                added.isEmpty ? "n/a" : String(format: "%.3f", added[min(added.count - 1, Int(Double(added.count) * p))])
            }
            print("phase 2 added latency per token: \(streams) streams × \(pacedTokens) tokens, executor paced at \(pacedMs) ms/iteration")
            print("  tokens measured              \(added.count)")
            print("  added latency p50 / p99 / max (ms)   \(pct(0.5)) / \(pct(0.99)) / \(pct(1.0))")
        }
        // Phase 3: memory across cut streams.
        if cuts > 0 {
            let bench = try await HTTPBenchServer.start(
                iteration: .microseconds(Int64(pacedMs * 1000)), maxModelLength: 4096, keepsRecords: false)
            // Warm up: one batch, so that first-use allocations do not count as a leak.
            _ = SSEBenchClient.run(count: cutConcurrency, port: bench.port, maxTokens: 2000, clock: bench.engine.clock, cutAfter: 5)
            try await bench.waitIdle()
            let before = Self.residentMiB()
            var done = 0
            var cancelledBefore = bench.records.cancelledCount
            while done < cuts {
                let n = min(cutConcurrency, cuts - done)
                _ = SSEBenchClient.run(count: n, port: bench.port, maxTokens: 2000, clock: bench.engine.clock, cutAfter: 5)
                done += n
            }
            try await bench.waitIdle()
            let after = Self.residentMiB()
            let status = bench.engine.status
            cancelledBefore = bench.records.cancelledCount - cancelledBefore
            await bench.stop()
            print("phase 3 memory: \(cuts) streams cut after 5 tokens (max_tokens 2000, \(cutConcurrency) at a time)")
            print("  resident memory before / after (MiB)  \(String(format: "%.1f", before)) / \(String(format: "%.1f", after))  (Δ \(String(format: "%+.1f", after - before)) MiB)")
            print("  cancelled in the engine     \(cancelledBefore) of \(cuts); afterwards running \(status.stats.runningCount), waiting \(status.stats.waitingCount), KV blocks in use \(status.stats.usedBlockCount)")
        }
    }

    /// Resident set size of this process, MiB (from /proc).
    static func residentMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (line.split(separator: " ").compactMap { Double($0) }.first ?? .nan) / 1024
        }
        return .nan
    }
}
