import Foundation

/// The fewest replicas with which a policy held the target attainment.
public struct ReplicaSearchResult: Codable, Sendable {
    public var scheduler: String
    public var rps: Double
    public var target: Double
    /// nil when even the largest count tried fell short.
    public var replicas: Int?
    public var attainmentByReplicas: [String: Double]
    /// The router in front of the replicas (nil: the default).
    public var router: String?
    /// The fewest replicas holding the target over the units that meet their SLO alone on an
    /// idle replica (nil: not found, or not searched).
    public var replicasFeasible: Int?
    /// Attainment over those units, by replica count (nil: not searched).
    public var feasibleAttainmentByReplicas: [String: Double]?

    public init(
        scheduler: String, rps: Double, target: Double, replicas: Int?, attainmentByReplicas: [String: Double],
        router: String? = nil
    ) {
        self.scheduler = scheduler
        self.rps = rps
        self.target = target
        self.replicas = replicas
        self.attainmentByReplicas = attainmentByReplicas
        self.router = router
        feasibleAttainmentByReplicas = [:]
    }

    enum CodingKeys: String, CodingKey {
        case scheduler, rps, target, replicas, attainmentByReplicas = "attainment_by_replicas", router
        case replicasFeasible = "replicas_feasible", feasibleAttainmentByReplicas = "feasible_attainment_by_replicas"
    }

    /// `router+scheduler`, or the scheduler alone behind the default router.
    public var policy: String { router.map { "\($0)+\(scheduler)" } ?? scheduler }
}

/// Everything `jitserve bench` measured, and the report directory a person would rather look
/// at than read: an HTML page with SVG plots.
public struct BenchmarkReport: Codable, Sendable {
    public var recipe: String
    public var hardware: String
    public var runs: [SimulationSummary]
    public var replicaSearch: [ReplicaSearchResult]

    public init(recipe: String, hardware: String, runs: [SimulationSummary], replicaSearch: [ReplicaSearchResult]) {
        self.recipe = recipe
        self.hardware = hardware
        self.runs = runs
        self.replicaSearch = replicaSearch
    }

    enum CodingKeys: String, CodingKey {
        case recipe, hardware, runs, replicaSearch = "replica_search"
    }

    /// Policies in first-run order: schedulers, or `router+scheduler` where a router was chosen.
    public var schedulers: [String] {
        var seen: [String] = []
        for r in runs where !seen.contains(r.policy) { seen.append(r.policy) }
        return seen
    }

    public var rates: [Double] { Array(Set(runs.compactMap(\.rps))).sorted() }

    /// Mean over seeds of `metric` for one scheduler at one rate.
    public func mean(_ scheduler: String, rps: Double, _ metric: (SimulationSummary) -> Double) -> Double {
        let matching = runs.filter { $0.policy == scheduler && $0.rps == rps }
        return matching.isEmpty ? 0 : matching.map(metric).reduce(0, +) / Double(matching.count)
    }

    /// The best mean of `metric` (token goodput unless told otherwise) among policies that are
    /// neither jitserve nor oracles.
    public func bestBaseline(
        rps: Double, by metric: (SimulationSummary) -> Double = { $0.tokenGoodput }
    ) -> (name: String, goodput: Double)? {
        schedulers.filter { !$0.hasPrefix("jitserve") && !$0.hasSuffix("-oracle") }
            .map { ($0, mean($0, rps: rps, metric)) }
            .max { $0.1 < $1.1 }
    }

    /// Writes index.html, the SVG plots and runs.json into `directory` (created if needed).
    public func write(to directory: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var figures: [(file: String, svg: String, caption: String)] = []
        let names = schedulers
        let rates = rates

        var chart = SVGChart(title: "Token goodput vs load", xLabel: "arrival rate (req/s)", yLabel: "token goodput (tok/s)")
        figures.append(("goodput_vs_rps.svg", chart.lines(names.map { name in
            .init(name: name, points: rates.map { ($0, mean(name, rps: $0) { $0.tokenGoodput }) })
        }), "Output tokens delivered within their SLO per second, mean over seeds."))

        let kinds = Array(Set(runs.flatMap { $0.byKind.keys })).sorted()
        for kind in kinds {
            chart = SVGChart(title: "SLO attainment: \(kind)", xLabel: "arrival rate (req/s)", yLabel: "attainment (%)")
            figures.append(("attainment_\(kind).svg", chart.lines(names.map { name in
                .init(name: name, points: rates.map { rate in
                    (rate, 100 * mean(name, rps: rate) { $0.byKind[kind]?.sloAttainment ?? 0 })
                })
            }), "Share of \(kind) requests (a workflow counts once) that met their SLO in full."))
        }

        if let top = rates.last {
            let atTop = names.compactMap { name in runs.first { $0.policy == name && $0.rps == top } }
            let percentiles = stride(from: 0.0, through: 100.0, by: 5.0).map { $0 }
            for (metric, label, pick) in [("ttft", "TTFT", \SimulationSummary.ttftQuantiles), ("tbt", "TBT", \SimulationSummary.tbtQuantiles)] {
                chart = SVGChart(title: "\(label) distribution at \(format(top)) req/s", xLabel: "\(label) (s, log scale)", yLabel: "percentile")
                chart.logX = true
                figures.append(("\(metric)_cdf.svg", chart.lines(atTop.map { run in
                    .init(name: run.policy, points: zip(run[keyPath: pick] ?? [], percentiles).map { ($0, $1) })
                }), "Cumulative distribution of \(label), first seed."))
            }
            chart = SVGChart(title: "Goodput over time at \(format(top)) req/s", xLabel: "time (s)", yLabel: "token goodput (tok/s)")
            figures.append(("goodput_over_time.svg", chart.lines(atTop.map { run in
                let bucket = run.goodputBucketSeconds ?? 1
                return .init(name: run.policy, points: (run.goodputOverTime ?? []).enumerated().map { (Double($0.offset) * bucket, $0.element) })
            }), "Good tokens per second in each window, first seed."))
        }
        if !replicaSearch.isEmpty {
            let found = replicaSearch.filter { $0.replicas != nil }
            figures.append(("replicas.svg", SVGChart(title: "Replicas for \(format(100 * (replicaSearch.first?.target ?? 0)))% attainment",
                                                      xLabel: "policy", yLabel: "replicas")
                .bars(categories: found.map(\.policy), series: [("replicas", found.map { Double($0.replicas!) })]),
                "Fewest replicas (behind the router named, else least-loaded) that hold the target attainment."))
        }
        for figure in figures {
            try Data(figure.svg.utf8).write(to: URL(fileURLWithPath: directory + "/" + figure.file), options: .atomic)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: directory + "/runs.json"), options: .atomic)
        try Data(html(figures: figures).utf8).write(to: URL(fileURLWithPath: directory + "/index.html"), options: .atomic)
    }

    private func format(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.2f", v) }

    private func html(figures: [(file: String, svg: String, caption: String)]) -> String {
        var rows = ""
        for rate in rates {
            let best = bestBaseline(rps: rate)
            for name in schedulers {
                let goodput = mean(name, rps: rate) { $0.tokenGoodput }
                let ratio = best.map { $0.goodput > 0 ? String(format: "%.2f×", goodput / $0.goodput) : "–" } ?? "–"
                rows += "<tr><td>\(format(rate))</td><td>\(name)</td>"
                    + String(format: "<td>%.1f</td><td>%.3f</td><td>%.1f%%</td>", goodput,
                             mean(name, rps: rate) { $0.requestGoodput }, 100 * mean(name, rps: rate) { $0.sloAttainment })
                    + String(format: "<td>%.2f</td><td>%.3f</td>", mean(name, rps: rate) { $0.ttft.p99 }, mean(name, rps: rate) { $0.tbt.p99 })
                    + "<td>\(ratio)</td></tr>\n"
            }
        }
        let images = figures.map { "<figure><img src=\"\($0.file)\" alt=\"\($0.file)\"><figcaption>\($0.caption)</figcaption></figure>" }
            .joined(separator: "\n")
        return """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>jitserve bench: \(recipe)</title>
            <style>body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222}
            table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
            td:nth-child(2){text-align:left}figure{display:inline-block;margin:1em}figcaption{font-size:13px;color:#555}</style>
            </head><body>
            <h1>jitserve bench — \(recipe) on \(hardware)</h1>
            <p>Every policy replayed the same generated trace per (rate, seed) on the same simulated GPU. \
            Ratios are against the best baseline (vllm, sarathi, las, sjf, edf) at that rate.</p>
            \(images)
            <h2>Runs (mean over seeds)</h2>
            <table><tr><th>req/s</th><th>policy</th><th>token goodput</th><th>request goodput</th><th>attainment</th>\
            <th>TTFT p99 (s)</th><th>TBT p99 (s)</th><th>÷ best baseline</th></tr>
            \(rows)</table>
            </body></html>

            """
    }
}
