import Foundation
import JITServeSimulation

/// The side-by-side text table `jitserve bench` prints.
enum BenchTable {
    /// - Parameter weighted: also print the reference artifact's weighted token goodput.
    static func render(_ report: BenchmarkReport, weighted: Bool = false) -> String {
        let names = report.schedulers
        let width = (names.map(\.count).max() ?? 10) + 2
        func cell(_ s: String, _ width: Int = 10) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        /// One row per rate of `metric` per policy, with jitserve's ratio to the best baseline
        /// and to its oracle.
        func table(_ title: String, format: String, _ metric: (SimulationSummary) -> Double) -> [String] {
            var lines = ["\(title) — \(report.recipe) on \(report.hardware)"]
            lines.append(cell("req/s", 6) + names.map { cell($0, width) }.joined()
                         + cell("best base", 12) + cell("jit÷base", 10) + cell("jit÷oracle", 11))
            for rate in report.rates {
                var line = cell(String(format: "%g", rate), 6)
                for name in names { line += cell(String(format: format, report.mean(name, rps: rate, metric)), width) }
                let best = report.bestBaseline(rps: rate, by: metric)
                let jit = report.mean("jitserve", rps: rate, metric)
                let oracle = report.mean("jitserve-oracle", rps: rate, metric)
                line += cell(best?.name ?? "–", 12)
                line += cell(best.map { $0.goodput > 0 ? String(format: "%.2f×", jit / $0.goodput) : "–" } ?? "–", 10)
                line += cell(oracle > 0 ? String(format: "%.2f", jit / oracle) : "–", 11)
                lines.append(line)
            }
            return lines
        }
        var lines = table("token goodput (tok/s, mean over seeds)", format: "%.1f") { $0.tokenGoodput }
        lines.append("")
        lines += table("request goodput (SLOs met per second; a workflow counts once)", format: "%.3f") { $0.requestGoodput }
        if weighted {
            lines.append("")
            lines += table("weighted token goodput (artifact's evaluator: prefill 1 : decode 8, tok/s)", format: "%.0f") {
                $0.weightedTokenGoodput
            }
        }
        lines.append("")
        lines.append("SLO attainment (%, mean over seeds) per kind")
        let kinds = Array(Set(report.runs.flatMap { $0.byKind.keys })).sorted()
        lines.append(cell("req/s", 6) + cell("kind", 10) + names.map { cell($0, width) }.joined())
        for rate in report.rates {
            for kind in ["all"] + kinds {
                var line = cell(String(format: "%g", rate), 6) + cell(kind, 10)
                for name in names {
                    let v = report.mean(name, rps: rate) { kind == "all" ? $0.sloAttainment : ($0.byKind[kind]?.sloAttainment ?? 0) }
                    line += cell(String(format: "%.1f", 100 * v), width)
                }
                lines.append(line)
            }
        }
        if !report.replicaSearch.isEmpty { lines += [""] + replicaSearch(report.replicaSearch) }
        return lines.joined(separator: "\n")
    }

    /// The fewest replicas per policy, over every unit and over the units feasible alone on an
    /// idle replica, with the attainment each count reached.
    static func replicaSearch(_ results: [ReplicaSearchResult]) -> [String] {
        guard let first = results.first else { return [] }
        func cell(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        let width = max(18, (results.map(\.policy.count).max() ?? 0) + 2)
        var lines = [String(format: "replicas for %.0f%% attainment at %g req/s (all units | units feasible alone on an idle replica)",
                            100 * first.target, first.rps)]
        let counts = Set(results.flatMap { $0.attainmentByReplicas.keys.compactMap { Int($0) } }).sorted()
        lines.append(cell("policy", width) + cell("all", 8) + cell("feasible", 10)
                     + counts.map { cell("×\($0)", 13) }.joined())
        for r in results {
            var line = cell(r.policy, width) + cell(r.replicas.map(String.init) ?? "> max", 8)
                + cell(r.replicasFeasible.map(String.init) ?? "> max", 10)
            for n in counts {
                let all = r.attainmentByReplicas[String(n)], feasible = r.feasibleAttainmentByReplicas?[String(n)]
                line += cell(all.map { a in String(format: "%.1f|%.1f", 100 * a, 100 * (feasible ?? 0)) } ?? "", 13)
            }
            lines.append(line)
        }
        return lines
    }
}
