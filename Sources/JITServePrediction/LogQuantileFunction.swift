import Foundation
import JITServeCore

/// A length distribution's CDF and quantile function made continuous: each sample sits at the
/// middle of its probability step, lengths between samples are interpolated on a log scale,
/// and past the first or last sample both continue linearly in log length with the slope of
/// the distribution's own spread (80 % of the mass across log q90 − log q10). Used by
/// quantile recalibration, whose scores must be comparable across requests and may fall
/// outside a request's samples.
struct LogQuantileFunction {
    /// Log of each distinct sample, ascending.
    private var logs: [Double] = []
    /// Cumulative probability at the middle of each sample's step, ascending.
    private var levels: [Double] = []
    /// Probability per unit of log length beyond the samples.
    private let tailSlope: Double

    init(_ distribution: LengthDistribution) {
        let samples = distribution.samples
        let weights = distribution.weights
        let total = weights?.reduce(0, +) ?? Double(samples.count)
        logs.reserveCapacity(samples.count)
        levels.reserveCapacity(samples.count)
        var cumulative = 0.0
        for (i, sample) in samples.enumerated() {
            let w = (weights?[i] ?? 1) / max(total, .leastNormalMagnitude)
            levels.append(cumulative + w / 2)
            logs.append(log(Double(sample)))
            cumulative += w
        }
        let spread = log(Double(distribution.upperBound(quantile: 0.9))) - log(Double(distribution.upperBound(quantile: 0.1)))
        tailSlope = 0.8 / max(spread, 0.25)
    }

    /// The (extended) cumulative probability at `length`.
    func cumulative(at length: Double) -> Double {
        let x = log(max(length, 1))
        if x <= logs[0] { return levels[0] - (logs[0] - x) * tailSlope }
        if x >= logs[logs.count - 1] { return levels[levels.count - 1] + (x - logs[logs.count - 1]) * tailSlope }
        var lo = 0, hi = logs.count - 1  // logs[lo] < x ≤ logs[hi]
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if logs[mid] < x { lo = mid } else { hi = mid }
        }
        let t = (x - logs[lo]) / (logs[hi] - logs[lo])
        return levels[lo] + t * (levels[hi] - levels[lo])
    }

    /// The length at (extended) cumulative probability `level`: the inverse of `cumulative`.
    func value(at level: Double) -> Double {
        if level <= levels[0] { return exp(logs[0] - (levels[0] - level) / tailSlope) }
        if level >= levels[levels.count - 1] { return exp(logs[logs.count - 1] + (level - levels[levels.count - 1]) / tailSlope) }
        var lo = 0, hi = levels.count - 1  // levels[lo] < level ≤ levels[hi]
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if levels[mid] < level { lo = mid } else { hi = mid }
        }
        let t = (level - levels[lo]) / (levels[hi] - levels[lo])
        return exp(logs[lo] + t * (logs[hi] - logs[lo]))
    }
}
