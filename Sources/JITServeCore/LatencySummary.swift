/// Mean and percentiles of a set of durations, in seconds (the figures `vllm bench serve` prints).
public struct LatencySummary: Codable, Hashable, Sendable {
    public var count: Int
    public var mean: Double
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double

    public static let empty = LatencySummary(count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0)

    public init(count: Int, mean: Double, p50: Double, p90: Double, p99: Double, max: Double) {
        self.count = count
        self.mean = mean
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
    }

    /// Summarises `values` (seconds); percentiles interpolate linearly between order statistics,
    /// as numpy's default does.
    public init(_ values: [Double]) {
        guard !values.isEmpty else { self = .empty; return }
        let sorted = values.sorted()
        count = sorted.count
        mean = sorted.reduce(0, +) / Double(sorted.count)
        p50 = Self.percentile(sorted, 0.50)
        p90 = Self.percentile(sorted, 0.90)
        p99 = Self.percentile(sorted, 0.99)
        max = sorted[sorted.count - 1]
    }

    /// The `q` quantile (0…1) of ascending `sorted`, linearly interpolated.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
