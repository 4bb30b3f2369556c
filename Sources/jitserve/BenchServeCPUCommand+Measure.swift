import Foundation
import JITServeCPU
import JITServeCore
import JITServeEngine

extension BenchServeCPUCommand {
    /// One stream count in one pass: the kernel's decode figure, each server's served run, the
    /// kernel again, and for each server the kernel doing its run's whole work.
    func measure(
        streams count: Int, pass: Int, servers: [Served], requests: RequestMaker, benchmark: inout CPUBenchmark
    ) async throws -> [Row] {
        // New prompts in every pass (pass 1's are the prompts a single pass sends).
        let passSeed = UInt64(pass - 1) << 32
        var rows: [Row] = []
        Console.error("  \(count) stream(s): kernel…")
        let before = try benchmark.decodeThroughput(streams: count, promptLength: promptTokens)
        var measured: [(server: Int, results: [SSEBenchClient.Result], before: EngineStats, after: EngineStats)] = []
        for (serverIndex, server) in servers.enumerated() {
            let bench = server.bench
            Console.error("  \(count) stream(s): served (prefix caching \(server.prefixCaching ? "on" : "off")), \(count * rounds * turns) requests…")
            let statsBefore = bench.engine.status.stats
            let results = turns > 1
                ? Self.conversations(
                    streams: count, rounds: rounds, turns: turns, port: bench.port, clock: bench.engine.clock,
                    requests: requests, seedBase: passSeed + UInt64(count * 100_000))
                : SSEBenchClient.closedLoop(streams: count, rounds: rounds, port: bench.port, clock: bench.engine.clock) {
                    // New prompts at every stream count: a prompt sent before would be a
                    // whole-prompt cache hit, which no new client gets.
                    stream, round in requests.make(seed: passSeed + UInt64(1 + count * 100_000 + stream * 1000 + round))
                }
            try await bench.waitIdle()
            measured.append((serverIndex, results, statsBefore, bench.engine.status.stats))
        }
        Console.error("  \(count) stream(s): kernel again…")
        let after = try benchmark.decodeThroughput(streams: count, promptLength: promptTokens)
        for (serverIndex, results, statsBefore, statsAfter) in measured {
            let server = servers[serverIndex]
            var row = Self.row(streams: count, prefixCaching: server.prefixCaching, kernel: [before, after], results: results)
            (row.executorBusyFraction, row.iterationMillisecondsMean, row.servedTokensPerExecutorSecond) =
                Self.engineFigures(row, before: statsBefore, after: statsAfter)
            // The same work on the kernel: the prompt tokens this server computed (its
            // cache's hits left out), then the decode, at its token budget per iteration.
            let prefilled = row.promptTokensMean - (row.cachedTokensMean.isNaN ? 0 : row.cachedTokensMean)
            if prefilled.isFinite, row.servedTokens > 0, turns == 1 {
                Console.error("  \(count) stream(s): kernel, the served run's work (\(Int(prefilled.rounded())) prompt tokens each)…")
                let sameWork = try benchmark.servedWorkThroughput(
                    streams: count, promptLength: Int(prefilled.rounded()), batchTokens: server.batchTokens)
                row.kernelSameWorkTokensPerSecond = sameWork
                row.servedOverSameWork = row.servedTokensPerSecond / sameWork
            }
            if turns > 1 { row.turns = Self.turnRows(results, turns: turns) }
            row.pass = pass
            rows.append(row)
        }
        return rows
    }
}
