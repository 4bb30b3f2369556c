import Foundation
import JITServeRouter

extension SimulationSummary {
    /// A human-readable table: the headline figures, then one row per SLO kind.
    public func table() -> String {
        var lines: [String] = []
        lines.append("scheduler \(scheduler) · workload \(workload) · \(hardware) · predictor \(lengthPredictor) · seed \(seed)"
                     + (router != nil || replicas > 1 ? " · router \(router ?? RouterCatalog.defaultName) × \(replicas)" : ""))
        // Foundation on Linux ignores widths on %@, so strings are padded by hand.
        func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: max(width, s.count), withPad: " ", startingAt: 0) }
        lines.append(pad("kind", 10) + " tok-good/s req-good/s    attain  ttft p99   tbt p99   e2e p99  finished")
        func row(_ name: String, _ f: (Double, Double, Double, Double, Double, Double, Int, Int)) -> String {
            pad(name, 10) + String(format: " %10.1f %10.3f %8.1f%% %8.3fs %8.3fs %8.2fs %5d/%d",
                                   f.0, f.1, f.2 * 100, f.3, f.4, f.5, f.6, f.7)
        }
        lines.append(row("all", (tokenGoodput, requestGoodput, sloAttainment, ttft.p99, tbt.p99, e2e.p99, finished, total)))
        for kind in byKind.keys.sorted() {
            let k = byKind[kind]!
            lines.append(row(kind, (k.tokenGoodput, k.requestGoodput, k.sloAttainment, k.ttft.p99, k.tbt.p99, k.e2e.p99, k.finished, k.total)))
        }
        lines.append(String(
            format: "throughput %.1f tok/s · preemptions %d · iterations %d · simulated %.1fs · unfinished %d",
            throughputTokens, preemptions, iterations, simulatedSeconds, unfinished) + (shed.map { " · shed \($0)" } ?? ""))
        return lines.joined(separator: "\n")
    }
}
