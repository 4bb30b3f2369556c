import Foundation
import JITServeSimulation

/// The router × scheduler tables `bench --router …` and `bench scale` print: per (replicas,
/// rate), token goodput with routers as rows and schedulers as columns (mean over seeds), then
/// jitserve router + jitserve scheduler against the best other combination and against the
/// best combination of baselines only.
enum RouterGridTable {
    /// The combination being judged.
    static let jitserve = (router: "jitserve", scheduler: "jitserve")

    /// One (replicas, rate) cell of the grid: mean figures per (router, scheduler).
    struct Setting: Hashable, Comparable {
        var replicas: Int
        var rate: Double
        static func < (a: Setting, b: Setting) -> Bool { (a.replicas, a.rate) < (b.replicas, b.rate) }
    }

    /// How jitserve+jitserve compares in one setting.
    struct Verdict {
        var jitserve: Double
        var bestOther: (name: String, value: Double)?
        var bestBaseline: (name: String, value: Double)?
    }

    static func isBaseline(router: String, scheduler: String) -> Bool {
        router != jitserve.router && !scheduler.hasPrefix("jitserve") && !scheduler.hasSuffix("-oracle")
    }

    /// Mean of `metric` per (router, scheduler) over the runs of `setting`.
    static func means(
        _ runs: [SimulationSummary], _ setting: Setting, _ metric: (SimulationSummary) -> Double
    ) -> [String: [String: Double]] {
        var sums: [String: [String: (Double, Int)]] = [:]
        for run in runs where run.replicas == setting.replicas && run.rps == setting.rate {
            let router = run.router ?? "least-loaded"
            let old = sums[router, default: [:]][run.scheduler] ?? (0, 0)
            sums[router, default: [:]][run.scheduler] = (old.0 + metric(run), old.1 + 1)
        }
        return sums.mapValues { $0.mapValues { $0.0 / Double($0.1) } }
    }

    static func verdict(_ table: [String: [String: Double]]) -> Verdict {
        var verdict = Verdict(jitserve: table[jitserve.router]?[jitserve.scheduler] ?? 0)
        for (router, row) in table {
            for (scheduler, value) in row where !scheduler.hasSuffix("-oracle") {
                if router == jitserve.router && scheduler == jitserve.scheduler { continue }
                let name = "\(router)+\(scheduler)"
                if value > (verdict.bestOther?.value ?? -1) { verdict.bestOther = (name, value) }
                if isBaseline(router: router, scheduler: scheduler), value > (verdict.bestBaseline?.value ?? -1) {
                    verdict.bestBaseline = (name, value)
                }
            }
        }
        return verdict
    }

    static func render(_ runs: [SimulationSummary], title: String) -> String {
        func ordered(_ names: [String]) -> [String] {
            var seen: [String] = []
            for n in names where !seen.contains(n) { seen.append(n) }
            return seen
        }
        let routers = ordered(runs.map { $0.router ?? "least-loaded" })
        let schedulers = ordered(runs.map(\.scheduler))
        let settings = Set(runs.compactMap { run in run.rps.map { Setting(replicas: run.replicas, rate: $0) } }).sorted()
        let width = max(10, (schedulers.map(\.count).max() ?? 0) + 2)
        let rowWidth = max(14, (routers.map(\.count).max() ?? 0) + 2)
        func cell(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        func ratio(_ a: Double, _ b: Double?) -> String { b.map { $0 > 0 ? String(format: "%.2f×", a / $0) : "–" } ?? "–" }
        var lines: [String] = []
        for setting in settings {
            lines.append(String(format: "%@ · %d replica(s) at %g req/s (%g per replica)", title, setting.replicas,
                                setting.rate, setting.rate / Double(setting.replicas)))
            for (label, format, metric) in [
                ("token goodput (tok/s)", "%.1f", { (s: SimulationSummary) in s.tokenGoodput }),
                ("request goodput (SLOs met/s)", "%.3f", { (s: SimulationSummary) in s.requestGoodput }),
                ("SLO attainment (%)", "%.1f", { (s: SimulationSummary) in 100 * s.sloAttainment }),
            ] {
                let table = means(runs, setting, metric)
                lines.append(cell(label, rowWidth + 12))
                lines.append(cell("router", rowWidth) + schedulers.map { cell($0, width) }.joined())
                for router in routers {
                    lines.append(cell(router, rowWidth) + schedulers.map { s in
                        cell(table[router]?[s].map { String(format: format, $0) } ?? "", width)
                    }.joined())
                }
                // The verdict needs jitserve+jitserve in the grid; a partial grid prints the table alone.
                guard table["jitserve"]?["jitserve"] != nil else { continue }
                let v = verdict(table)
                lines.append("  jitserve+jitserve ÷ best other \(ratio(v.jitserve, v.bestOther?.value)) (\(v.bestOther?.name ?? "–"))"
                             + " · ÷ best baseline pair \(ratio(v.jitserve, v.bestBaseline?.value)) (\(v.bestBaseline?.name ?? "–"))")
            }
            let shed = runs.filter { $0.replicas == setting.replicas && $0.rps == setting.rate && ($0.shed ?? 0) > 0 }
            if !shed.isEmpty {
                let byRouter = Dictionary(grouping: shed, by: { $0.router ?? "least-loaded" })
                    .map { "\($0.key) \($0.value.map { $0.shed ?? 0 }.reduce(0, +) / max(1, $0.value.count)) calls/run" }
                    .sorted()
                lines.append("  shed (429): " + byRouter.joined(separator: ", "))
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }
}
