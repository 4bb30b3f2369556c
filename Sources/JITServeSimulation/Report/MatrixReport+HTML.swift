import Foundation

extension MatrixReport {
    /// Writes index.html (cells worst first, coloured against their goal; worst per axis value),
    /// one SVG of jitserve ÷ best baseline per cell, and matrix.json into `directory`.
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let rows = worstFirst
        let chart = SVGChart(title: "jitserve ÷ best baseline per cell (worst first)", xLabel: "cell", yLabel: "ratio")
        let svg = chart.bars(categories: rows.indices.map { "\($0 + 1)" }, series: [
            ("jitserve ÷ best baseline", rows.map { min($0.versusBaseline ?? 0, 10) }),
            ("jitserve ÷ oracle", rows.map { min($0.versusOracle ?? 0, 10) }),
        ])
        try Data(svg.utf8).write(to: URL(fileURLWithPath: directory + "/ratios.svg"), options: .atomic)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: directory + "/matrix.json"), options: .atomic)
        try Data(html(rows).utf8).write(to: URL(fileURLWithPath: directory + "/index.html"), options: .atomic)
    }

    private func html(_ rows: [CellResult]) -> String {
        func ratio(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%.2f×", $0) : "∞" } ?? "–" }
        func colour(_ v: Double?, goal: Double) -> String {
            guard let v else { return "" }
            return v >= goal ? " class=\"ok\"" : v >= 0.95 * goal ? " class=\"near\"" : " class=\"miss\""
        }
        var cellRows = ""
        for (i, r) in rows.enumerated() {
            let best = r.bestBaseline
            var policyCells = ""
            for name in policies {
                policyCells += r.figures(name).map { String(format: "<td>%.1f<br><small>%.0f%%</small></td>", $0.tokenGoodput, 100 * $0.sloAttainment) }
                    ?? "<td>–</td>"
            }
            cellRows += "<tr><td>\(i + 1)</td><td class=\"l\">\(r.cell.label)</td>"
                + String(format: "<td>%.2f</td>", r.rate) + "<td>\(best?.scheduler ?? "–")</td>"
                + "<td\(colour(r.versusBaseline, goal: r.goal))>\(ratio(r.versusBaseline))</td>"
                + "<td\(colour(r.versusOracle, goal: 0.95))>\(ratio(r.versusOracle))</td>"
                + String(format: "<td>%.2f</td>", r.goal) + policyCells + "</tr>\n"
        }
        var axisRows = ""
        for row in worstByAxis {
            axisRows += "<tr><td class=\"l\">\(row.axis)</td><td class=\"l\">\(row.value)</td><td>\(ratio(row.versusBaseline))</td><td>\(row.cells)</td></tr>\n"
        }
        let w = worst
        let headers = policies.map { "<th>\($0)<br><small>tok/s, attain</small></th>" }.joined()
        return """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>jitserve bench matrix</title>
            <style>body{font-family:Helvetica,Arial,sans-serif;max-width:1400px;margin:2em auto;color:#222}
            table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
            .l{text-align:left}.ok{background:#d9f2d9}.near{background:#fff2cc}.miss{background:#f8d0d0}</style>
            </head><body>
            <h1>jitserve bench matrix</h1>
            <p>\(cells.count) cells, every policy on each cell's workload (\(Int(durationSeconds)) s arrival window, \(seedPhrase)); \
            load is a multiple of the rate that saturates the cell's replica (from the workload's demand and the latency model). \
            Worst jitserve ÷ best baseline \(ratio(w.versusBaseline)); where the best baseline meets under 50 % of SLOs \
            \(ratio(w.saturatedVersusBaseline)); worst jitserve ÷ oracle \(ratio(w.versusOracle)); \(missing.count) cells miss a goal \
            (1.4× where the best baseline is under 50 % attainment, else 0.95×; 0.95× of the oracle).</p>
            <figure><img src="ratios.svg" alt="ratios"></figure>
            <h2>Worst cell per axis value</h2>
            <table><tr><th class="l">axis</th><th class="l">value</th><th>worst ÷ best baseline</th><th>cells</th></tr>
            \(axisRows)</table>
            <h2>Cells, worst first</h2>
            <table><tr><th>#</th><th class="l">cell</th><th>req/s</th><th>best baseline</th><th>jitserve ÷ base</th>\
            <th>jitserve ÷ oracle</th><th>goal</th>\(headers)</tr>
            \(cellRows)</table>
            </body></html>

            """
    }
}
