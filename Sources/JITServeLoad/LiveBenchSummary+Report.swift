import Foundation
import JITServeSimulation

extension LiveBenchSummary {
    /// Writes `summary.json`, SVG plots and an `index.html` that shows them into `directory`
    /// (created if needed): goodput over time, attainment per SLO kind, TTFT and TBT
    /// distributions, and the errors.
    public func writeReport(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var figures: [(file: String, svg: String, caption: String)] = []
        let bucket = summary.goodputBucketSeconds ?? 1
        var chart = SVGChart(title: "Goodput over time", xLabel: "time since start (s)", yLabel: "token goodput (tok/s)")
        figures.append(("goodput_over_time.svg", chart.lines([.init(
            name: summary.scheduler,
            points: (summary.goodputOverTime ?? []).enumerated().map { (Double($0.offset) * bucket, $0.element) })]),
            "Good tokens per second in each \(Int(bucket)) s window, as the client received them."))
        let kinds = summary.byKind.keys.sorted()
        chart = SVGChart(title: "SLO attainment per kind", xLabel: "SLO kind", yLabel: "attainment (%)")
        figures.append(("attainment.svg", chart.bars(
            categories: ["all"] + kinds,
            series: [(summary.scheduler, [100 * summary.sloAttainment] + kinds.map { 100 * (summary.byKind[$0]?.sloAttainment ?? 0) })]),
            "Share of requests (a workflow counts once) that met their SLO in full."))
        let percentiles = stride(from: 0.0, through: 100.0, by: 5.0).map { $0 }
        for (file, label, values) in [("ttft_cdf.svg", "TTFT", summary.ttftQuantiles), ("tbt_cdf.svg", "TBT", summary.tbtQuantiles)] {
            chart = SVGChart(title: "\(label) distribution", xLabel: "\(label) (s, log scale)", yLabel: "percentile")
            chart.logX = true
            figures.append((file, chart.lines([.init(name: summary.scheduler, points: zip(values ?? [], percentiles).map { ($0, $1) })]),
                            "Cumulative distribution of \(label) measured on the client."))
        }
        for figure in figures {
            try Data(figure.svg.utf8).write(to: URL(fileURLWithPath: directory + "/" + figure.file), options: .atomic)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: directory + "/summary.json"), options: .atomic)
        let images = figures.map { "<figure><img src=\"\($0.file)\" alt=\"\($0.file)\"><figcaption>\($0.caption)</figcaption></figure>" }
            .joined(separator: "\n")
        let escaped = table().replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        let html = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>jitserve bench live: \(summary.workload)</title>
            <style>body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222}
            figure{display:inline-block;margin:1em}figcaption{font-size:13px;color:#555}pre{background:#f6f6f6;padding:1em}</style>
            </head><body>
            <h1>jitserve bench live — \(summary.workload) against \(url)</h1>
            <p>Every figure was measured on the client, over HTTP, with the simulator's goodput accounting. \
            Lengths forced by \(forcing); prompts \(promptsExact ? "measured in the server's tokens" : "estimated at 4 characters a token").</p>
            \(images)
            <h2>Figures</h2>
            <pre>\(escaped)</pre>
            </body></html>

            """
        try Data(html.utf8).write(to: URL(fileURLWithPath: directory + "/index.html"), options: .atomic)
    }
}
