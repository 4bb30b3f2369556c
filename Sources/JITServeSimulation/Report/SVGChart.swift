import Foundation

/// A small SVG chart writer for benchmark reports: line charts and grouped bar charts with axes,
/// ticks and a legend. No dependencies; the output opens in any browser.
public struct SVGChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var width = 720.0
    public var height = 420.0
    /// Plot x on a log₁₀ scale (latency distributions span decades).
    public var logX = false

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Colour-blind-safe palette (Okabe–Ito), cycled per series.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
    private let left = 70.0, right = 170.0, top = 40.0, bottom = 55.0

    /// A line chart, one polyline with markers per series.
    public func lines(_ series: [Series]) -> String {
        let xs = series.flatMap { $0.points.map { tx($0.x) } }
        let ys = series.flatMap { $0.points.map(\.y) }
        guard let x0 = xs.min(), let x1 = xs.max() else { return empty() }
        let xRange = x0 == x1 ? (x0 - 1, x1 + 1) : (x0, x1)
        let yRange = (min(0, ys.min() ?? 0), niceMax(ys.max() ?? 1))
        var body = axes(xRange: xRange, yRange: yRange, xTicks: logX ? nil : series.first.map { $0.points.map(\.x) })
        for (i, s) in series.enumerated() {
            let colour = Self.palette[i % Self.palette.count]
            let coords = s.points.map { (px(tx($0.x), xRange), py($0.y, yRange)) }
            let path = coords.map { String(format: "%.1f,%.1f", $0.0, $0.1) }.joined(separator: " ")
            body += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
            if coords.count <= 40 {
                for c in coords {
                    body += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>\n", c.0, c.1, colour)
                }
            }
            body += legendEntry(i, s.name, colour)
        }
        return wrap(body)
    }

    /// Grouped bars: one group per category, one bar per series.
    public func bars(categories: [String], series: [(name: String, values: [Double])]) -> String {
        guard !categories.isEmpty, !series.isEmpty else { return empty() }
        let yRange = (0.0, niceMax(series.flatMap(\.values).max() ?? 1))
        var body = axes(xRange: (0, Double(categories.count)), yRange: yRange, xTicks: [])
        let groupWidth = (width - left - right) / Double(categories.count)
        let barWidth = groupWidth * 0.8 / Double(series.count)
        for (c, category) in categories.enumerated() {
            let gx = left + Double(c) * groupWidth
            body += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">%@</text>\n",
                           gx + groupWidth / 2, height - bottom + 18, escape(category))
            for (i, s) in series.enumerated() where c < s.values.count {
                let y = py(s.values[c], yRange)
                body += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"/>\n",
                               gx + groupWidth * 0.1 + Double(i) * barWidth, y, barWidth, height - bottom - y,
                               Self.palette[i % Self.palette.count])
            }
        }
        for (i, s) in series.enumerated() { body += legendEntry(i, s.name, Self.palette[i % Self.palette.count]) }
        return wrap(body)
    }

    // MARK: Geometry

    private func tx(_ x: Double) -> Double { logX ? log10(max(x, 1e-6)) : x }
    private func px(_ x: Double, _ r: (Double, Double)) -> Double {
        left + (x - r.0) / (r.1 - r.0) * (width - left - right)
    }
    private func py(_ y: Double, _ r: (Double, Double)) -> Double {
        height - bottom - (y - r.0) / (r.1 - r.0) * (height - top - bottom)
    }

    private func niceMax(_ v: Double) -> Double {
        guard v > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(v)))
        for step in [1.0, 2, 2.5, 5, 10] where step * magnitude >= v { return step * magnitude }
        return 10 * magnitude
    }

    private func axes(xRange: (Double, Double), yRange: (Double, Double), xTicks: [Double]?) -> String {
        var s = ""
        let plotRight = width - right
        s += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(plotRight)\" y2=\"\(height - bottom)\" stroke=\"#333\"/>\n"
        s += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(height - bottom)\" stroke=\"#333\"/>\n"
        for i in 0...5 {
            let v = yRange.0 + (yRange.1 - yRange.0) * Double(i) / 5
            let y = py(v, yRange)
            s += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, y, plotRight, y)
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%@</text>\n",
                        left - 6, y + 4, label(v))
        }
        // Explicit ticks are data x values; generated ticks are positions on the (maybe log) axis.
        let positions: [(at: Double, text: String)] = xTicks.map { $0.map { (tx($0), label($0)) } }
            ?? (0...5).map { i in
                let t = xRange.0 + (xRange.1 - xRange.0) * Double(i) / 5
                return (t, label(logX ? pow(10, t) : t))
            }
        for tick in positions {
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%@</text>\n",
                        px(tick.at, xRange), height - bottom + 16, tick.text)
        }
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">%@</text>\n",
                    left + (plotRight - left) / 2, height - 12, escape(xLabel))
        s += String(format: "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 16 %.1f)\">%@</text>\n",
                    top + (height - top - bottom) / 2, top + (height - top - bottom) / 2, escape(yLabel))
        return s
    }

    private func legendEntry(_ i: Int, _ name: String, _ colour: String) -> String {
        let y = top + 10 + Double(i) * 20
        let x = width - right + 16
        return String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"4\" fill=\"%@\"/>", x, y - 4, colour)
            + String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%@</text>\n", x + 20, y + 1, escape(name))
    }

    private func label(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1000 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.0f", v) }
        if a >= 1 { return String(format: "%.1f", v) }
        if a >= 0.01 { return String(format: "%.2f", v) }
        return String(format: "%.0e", v)
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    private func wrap(_ body: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Int(width / 2))" y="24" text-anchor="middle" font-size="15" font-weight="bold">\(escape(title))</text>
        \(body)</svg>

        """
    }

    private func empty() -> String { wrap("<text x=\"50%\" y=\"50%\" text-anchor=\"middle\">no data</text>") }
}
