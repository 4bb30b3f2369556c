import Foundation
import JITServeCore

/// The figures `bench serve-cpu` prints.
extension BenchServeCPUCommand {
    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    /// The middle value (of an even count, the mean of the two middle ones); NaN when empty.
    static func median(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : LatencySummary.percentile(values.sorted(), 0.5)
    }

    /// Each (stream count, prefix-caching setting)'s ratios over the passes, in the order the
    /// rows first show it.
    static func summary(_ rows: [Row]) -> [Summary] {
        var keys: [(streams: Int, prefixCaching: Bool)] = []
        for row in rows where !keys.contains(where: { $0 == (row.streams, row.prefixCaching) }) {
            keys.append((row.streams, row.prefixCaching))
        }
        return keys.map { key in
            let passes = rows.filter { $0.streams == key.streams && $0.prefixCaching == key.prefixCaching }
            let overKernel = passes.map(\.servedOverKernel)
            let overSameWork = passes.compactMap(\.servedOverSameWork)
            return Summary(
                streams: key.streams, prefixCaching: key.prefixCaching, servedOverKernel: overKernel,
                servedOverSameWork: overSameWork, servedOverKernelMedian: median(overKernel),
                servedOverSameWorkMedian: median(overSameWork),
                servedTokensPerSecondMedian: median(passes.map(\.servedTokensPerSecond)))
        }
    }

    static func table(_ result: Result) -> String {
        var lines = [
            "jitserve bench serve-cpu: \(result.model), \(result.threads) threads, scheduler \(result.scheduler), KV \(result.kvCacheDtype), activations \(result.activationDtype ?? "fp32")",
            "  chat requests: \(result.promptTokens) random prompt tokens (+ template) → \(result.maxTokens) tokens, ignore_eos, \(result.rounds) per client"
                + (result.turns > 1 ? ", each a conversation of \(result.turns) turns resending its history" : ""),
            String(format: "  load average (1 min) at start %.2f, at end %.2f", result.loadAverageAtStart, result.loadAverageAtEnd),
            "  streams   prefix cache   kernel tok/s (before/after)   served tok/s   served ÷ kernel   same work tok/s   served ÷ same work   TTFT p50 ms   TPOT p50 ms   failed   executor busy   iteration ms   served tok per executor s   prompt tokens   cached tokens",
        ]
        var pass = 0
        for row in result.rows {
            if result.repeats > 1, row.pass != pass { lines.append("  pass \(row.pass) of \(result.repeats):") }
            pass = row.pass
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
        if result.repeats > 1 { lines += summaryTable(result) }
        lines.append("  goal: served ÷ kernel ≥ 0.85 (kernel: decode alone; same work: the served run's prefill and decode on the kernel)")
        if result.turns > 1 { lines += turnTable(result.rows) }
        return lines.joined(separator: "\n")
    }

    static func summaryTable(_ result: Result) -> [String] {
        var lines = ["  medians over \(result.repeats) passes:",
                     "  streams   prefix cache   served tok/s   served ÷ kernel (each pass)                 served ÷ same work (each pass)"]
        for entry in result.summary {
            func each(_ values: [Double]) -> String { values.map { String(format: "%.2f", $0) }.joined(separator: " ") }
            lines.append(String(
                format: "  %7d   %@   %12.1f   %15.2f (%@)   %18.2f (%@)",
                entry.streams, (entry.prefixCaching ? "on" : "off").padding(toLength: 12, withPad: " ", startingAt: 0),
                entry.servedTokensPerSecondMedian, entry.servedOverKernelMedian, each(entry.servedOverKernel),
                entry.servedOverSameWorkMedian, each(entry.servedOverSameWork)))
        }
        return lines
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
