import Foundation

extension MatrixReport {
    /// The console view: every cell worst first (jitserve ÷ best baseline against the cell's
    /// goal), then the worst cell per axis value and the headline figures.
    public func table(limit: Int? = nil) -> String {
        func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
            let space = String(repeating: " ", count: max(0, width - s.count))
            return left ? s + space : space + s
        }
        func ratio(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%.2f×", $0) : "∞" } ?? "–" }
        let rows = worstFirst
        let width = max(40, rows.map(\.cell.label.count).max() ?? 40)
        var lines = ["cells worst first (jitserve ÷ best baseline by token goodput, \(seedPhrase); goal 1.4× where "
                     + "the best baseline meets < 50 % of SLOs, else 0.95×)"]
        lines.append(pad("cell", width, left: true) + pad("req/s", 8) + pad("best base", 11) + pad("base tok/s", 12)
                     + pad("attain", 8) + pad("jitserve", 10) + pad("÷base", 8) + pad("÷oracle", 9) + pad("goal", 6))
        for r in rows.prefix(limit ?? rows.count) {
            let best = r.bestBaseline
            let jit = r.figures("jitserve")
            let mark = (r.versusBaseline ?? 0) < r.goal || (r.versusOracle ?? 0) < 0.95 ? "  ✗" : ""
            lines.append(pad(r.cell.label, width, left: true) + pad(String(format: "%.2f", r.rate), 8)
                         + pad(best?.scheduler ?? "–", 11) + pad(best.map { String(format: "%.1f", $0.tokenGoodput) } ?? "–", 12)
                         + pad(best.map { String(format: "%.0f%%", 100 * $0.sloAttainment) } ?? "–", 8)
                         + pad(jit.map { String(format: "%.1f", $0.tokenGoodput) } ?? "–", 10)
                         + pad(ratio(r.versusBaseline), 8) + pad(ratio(r.versusOracle), 9) + pad(String(format: "%.2f", r.goal), 6) + mark)
        }
        if let limit, rows.count > limit { lines.append("… \(rows.count - limit) more cells in the JSON/HTML report") }
        lines.append("")
        lines.append("worst jitserve ÷ best baseline per axis value")
        for row in worstByAxis {
            lines.append(pad(row.axis, 14, left: true) + pad(row.value, 20, left: true) + pad(ratio(row.versusBaseline), 8)
                         + pad("(\(row.cells) cells)", 12))
        }
        let w = worst
        lines.append("")
        lines.append("worst cell: jitserve ÷ best baseline \(ratio(w.versusBaseline)); where the best baseline is under 50 % "
                     + "attainment \(ratio(w.saturatedVersusBaseline)); jitserve ÷ oracle \(ratio(w.versusOracle)); "
                     + "\(missing.count) of \(cells.count) cells miss a goal")
        return lines.joined(separator: "\n")
    }
}
