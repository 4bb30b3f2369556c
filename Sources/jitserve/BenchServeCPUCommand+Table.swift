import Foundation

/// The figures `bench serve-cpu` prints.
extension BenchServeCPUCommand {
    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        return values.sorted()[values.count / 2]
    }

    static func table(_ result: Result) -> String {
        var lines = [
            "jitserve bench serve-cpu: \(result.model), \(result.threads) threads, scheduler \(result.scheduler), KV \(result.kvCacheDtype), activations \(result.activationDtype ?? "fp32")",
            "  chat requests: \(result.promptTokens) random prompt tokens (+ template) → \(result.maxTokens) tokens, ignore_eos, \(result.rounds) per client"
                + (result.turns > 1 ? ", each a conversation of \(result.turns) turns resending its history" : ""),
            String(format: "  load average (1 min) at start %.2f, at end %.2f", result.loadAverageAtStart, result.loadAverageAtEnd),
            "  streams   prefix cache   kernel tok/s (before/after)   served tok/s   served ÷ kernel   same work tok/s   served ÷ same work   TTFT p50 ms   TPOT p50 ms   failed   executor busy   iteration ms   served tok per executor s   prompt tokens   cached tokens",
        ]
        for row in result.rows {
            let kernel = row.kernelTokensPerSecond.map { String(format: "%.1f", $0) }.joined(separator: " / ")
            lines.append(
                String(format: "  %7d   %@   %@ %12.1f   %15.2f   %15.1f   %18.2f   %11.0f   %11.1f   %6d   %12.0f%%   %12.1f   %25.1f   %13.0f   %13.1f",
                       row.streams, (row.prefixCaching ? "on" : "off").padding(toLength: 12, withPad: " ", startingAt: 0),
                       kernel.padding(toLength: 28, withPad: " ", startingAt: 0), row.servedTokensPerSecond, row.servedOverKernel,
                       row.kernelSameWorkTokensPerSecond ?? .nan, row.servedOverSameWork ?? .nan,
                       row.ttftMillisecondsP50, row.tpotMillisecondsP50, row.failedRequests,
                       row.executorBusyFraction * 100, row.iterationMillisecondsMean,
                       row.servedTokensPerExecutorSecond, row.promptTokensMean, row.cachedTokensMean))
        }
        lines.append("  goal: served ÷ kernel ≥ 0.85 (kernel: decode alone; same work: the served run's prefill and decode on the kernel)")
        if result.turns > 1 { lines += turnTable(result.rows) }
        return lines.joined(separator: "\n")
    }

    static func turnTable(_ rows: [Row]) -> [String] {
        var lines = ["  per turn: streams   prefix cache   turn   prompt tokens   cached   prefilled   TTFT p50 ms   TTFT mean ms"]
        for row in rows {
            for turn in row.turns {
                lines.append(String(
                    format: "            %7d   %@   %4d   %13.1f   %6.1f   %9.1f   %11.0f   %12.0f",
                    row.streams, (row.prefixCaching ? "on" : "off").padding(toLength: 12, withPad: " ", startingAt: 0), turn.turn, turn.promptTokensMean, turn.cachedTokensMean,
                    turn.prefilledTokensMean, turn.ttftMillisecondsP50, turn.ttftMillisecondsMean))
            }
        }
        return lines
    }
}
