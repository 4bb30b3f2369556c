import Foundation
import JITServeCore

/// Keeps a base estimator's length distributions calibrated to the lengths a served model
/// actually produces, from the requests that finished most recently.
///
/// Each finished request leaves one *score*: where its true length fell relative to the
/// distribution the base gave it (see `Method`). The last `window` scores, pushed back through
/// a new request's base distribution, are that request's calibrated distribution — a conformal
/// predictive distribution. Because the result is a whole distribution, not one corrected
/// quantile, the scheduler's refinement (the bound given g tokens already generated) is
/// computed from calibrated evidence too, and a base that is too wide is tightened as readily
/// as one that is too narrow is widened.
///
/// Warm start: with no scores the base is returned unchanged; until the window fills, the
/// base keeps a weight of `priorWeight · (1 − n/window)` pseudo-observations against the n
/// real ones, so early bounds move smoothly from the base to the evidence.
public struct LengthCalibrator: Sendable {
    /// How a finished request is scored against its base distribution.
    public enum Method: String, CaseIterable, Sendable {
        /// Split-conformal around a recalibrated anchor: log true length is regressed on the
        /// log of the base's `anchorQuantile` over the window (slope shrunk towards 1), and
        /// the calibrated distribution is that line at the new request's anchor plus each
        /// recent residual. Learns a shift in scale exactly, and how far the served model
        /// still follows the base's ranking of prompts; keeps from the base only its anchor.
        case conformal
        /// Quantile recalibration: the score is the base's own CDF at the true length
        /// (interpolated on a log scale, extended past the base's samples by its spread); the
        /// calibrated distribution maps recent scores back through the base's quantiles.
        /// Keeps the base's shape, but a shift past the base's samples lands in the extension.
        case quantileRecalibration = "pit"
    }

    /// Calibration settings.
    public struct Options: Sendable, Hashable {
        public var method: Method
        /// Most recent scores kept (per calibration key).
        public var window: Int
        /// Pseudo-observations the base distribution counts for before any request finishes.
        public var priorWeight: Double
        /// The base's quantile that `conformal` scores are relative to.
        public var anchorQuantile: Double

        public init(method: Method = .conformal, window: Int = 256, priorWeight: Double = 32, anchorQuantile: Double = 0.75) {
            self.method = method
            self.window = window
            self.priorWeight = priorWeight
            self.anchorQuantile = anchorQuantile
        }

        /// Throws `PredictionError.invalidParameter` naming the first setting out of range.
        public func validate() throws {
            guard window >= 1 else { throw PredictionError.invalidParameter(name: "window", reason: "must be at least 1, got \(window)") }
            guard priorWeight >= 0, priorWeight.isFinite else {
                throw PredictionError.invalidParameter(name: "priorWeight", reason: "must be a non-negative number, got \(priorWeight)")
            }
            guard anchorQuantile > 0, anchorQuantile <= 1 else {
                throw PredictionError.invalidParameter(name: "anchorQuantile", reason: "must be in (0, 1], got \(anchorQuantile)")
            }
        }
    }

    public let options: Options
    /// One finished request: for `conformal`, x = log of its base's anchor and y = log of its
    /// true length; for quantile recalibration, y is its score and x unused.
    struct Observation: Sendable {
        var x: Double
        var y: Double
    }

    /// Observations in arrival order (a ring once full).
    private(set) var ring: [Observation] = []
    /// The score of each ring slot: what the calibrated distribution reads (kept so eviction
    /// can find it in `sortedScores`). Apart from the ring so that a refit's re-sort, which
    /// reads them in the previous order, touches a third of the memory: between two updates
    /// a forest evaluation has usually pushed all of it out of cache.
    private(set) var ringScores: [Double] = []
    private var oldest = 0
    /// Their scores, ascending: a calibrated distribution reads them in order.
    private(set) var sortedScores: [Double] = []
    /// The ring slot of each of `sortedScores`: a refit re-sorts this order, which a small move
    /// of the line leaves nearly sorted, instead of sorting the window afresh.
    private(set) var sortedSlots: [Int] = []
    /// Work space of a refit's sort (`window` each once the line is first refitted).
    private var scratchScores: [Double] = [], scratchSlots: [Int] = []
    /// `conformal`: log length ≈ intercept + slope · log anchor over the window. A slope below
    /// 1 says the served model's lengths follow the forest's ranking less than the forest
    /// believes (towards 0: not at all, the recent lengths alone); the scores are the
    /// residuals around this line.
    private(set) var intercept = 0.0
    private(set) var slope = 1.0
    private var sinceRefit = 0

    /// Observations before the slope is fitted at all, and the pseudo-observations pulling it
    /// towards 1 (the forest taken at its word) after.
    static let slopePrior = 32.0
    /// Observations between refits of the line once the window holds `refitEvery · 4`.
    static let refitEvery = 16

    public init(options: Options = .init()) {
        self.options = Options(method: options.method, window: max(1, options.window),
                               priorWeight: max(0, options.priorWeight), anchorQuantile: min(max(options.anchorQuantile, 1e-6), 1))
        ring.reserveCapacity(self.options.window)
        ringScores.reserveCapacity(self.options.window)
        sortedScores.reserveCapacity(self.options.window)
        sortedSlots.reserveCapacity(self.options.window)
    }

    /// Finished requests the window holds.
    public var count: Int { sortedScores.count }

    /// Adds a finished request whose base distribution was `base` and whose output was
    /// `truth` tokens.
    public mutating func record(truth: Int, base: LengthDistribution) {
        let length = Double(max(1, truth))
        let observation: Observation, score: Double
        switch options.method {
        case .conformal:
            observation = Observation(x: log(Double(base.upperBound(quantile: options.anchorQuantile))), y: log(length))
            score = observation.y - (intercept + slope * observation.x)
        case .quantileRecalibration:
            let level = LogQuantileFunction(base).cumulative(at: length)
            observation = Observation(x: 0, y: level)
            score = level
        }
        guard score.isFinite else { return }
        let slot: Int
        if ring.count < options.window {
            slot = ring.count
            ring.append(observation)
            ringScores.append(score)
        } else {
            slot = oldest
            // Among equal scores, the one this slot left.
            var i = Self.firstIndex(in: sortedScores, notBelow: ringScores[slot])
            while sortedSlots[i] != slot { i += 1 }
            sortedScores.remove(at: i)
            sortedSlots.remove(at: i)
            ring[slot] = observation
            ringScores[slot] = score
            oldest = (oldest + 1) % options.window
        }
        let position = Self.firstIndex(in: sortedScores, notBelow: score)
        sortedScores.insert(score, at: position)
        sortedSlots.insert(slot, at: position)
        sinceRefit += 1
        if options.method == .conformal && (ring.count < 4 * Self.refitEvery || sinceRefit >= Self.refitEvery) { refit() }
    }

    /// Refits the line over the window and rescores every observation against it.
    private mutating func refit() {
        sinceRefit = 0
        let n = Double(ring.count)
        var sx = 0.0, sy = 0.0
        for o in ring { sx += o.x; sy += o.y }
        let mx = sx / n, my = sy / n
        var sxx = 0.0, sxy = 0.0
        for o in ring { sxx += (o.x - mx) * (o.x - mx); sxy += (o.x - mx) * (o.y - my) }
        var b = 1.0
        if n >= Self.slopePrior && sxx > 1e-9 * n {
            // Least squares, shrunk towards 1 and kept in [0, 2]: never read the forest's
            // ranking backwards, never amplify it beyond twice.
            b = min(max((sxy + Self.slopePrior * sxx / n) / (sxx + Self.slopePrior * sxx / n), 0), 2)
        }
        slope = b
        intercept = my - b * mx
        for i in ring.indices { ringScores[i] = ring[i].y - (intercept + slope * ring[i].x) }
        resortSlots()
    }

    /// Re-sorts the window by the rescored ring: the previous order re-read with the new
    /// scores, sorted by `sortAscending` (cheap when the line barely moved, bounded when not).
    private mutating func resortSlots() {
        let n = sortedSlots.count
        if scratchScores.count < n {
            scratchScores = Array(repeating: 0, count: options.window)
            scratchSlots = Array(repeating: 0, count: options.window)
        }
        ringScores.withUnsafeBufferPointer { ringScores in
            sortedScores.withUnsafeMutableBufferPointer { scores in
                sortedSlots.withUnsafeMutableBufferPointer { slots in
                    for k in 0..<n { scores[k] = ringScores[slots[k]] }
                    scratchScores.withUnsafeMutableBufferPointer { scratchScores in
                        scratchSlots.withUnsafeMutableBufferPointer { scratchSlots in
                            Self.sortAscending(scores, carrying: slots, scratchScores: scratchScores, scratchSlots: scratchSlots)
                        }
                    }
                }
            }
        }
    }

    /// `base` corrected by the requests seen so far (unchanged while there are none).
    public func calibrate(_ base: LengthDistribution) -> LengthDistribution {
        let n = sortedScores.count
        guard n > 0 else { return base }
        var evidence = [Int]()
        evidence.reserveCapacity(n)
        switch options.method {
        case .conformal:
            let centre = intercept + slope * log(Double(base.upperBound(quantile: options.anchorQuantile)))
            for s in sortedScores { evidence.append(Self.length(exp(centre + s))) }
        case .quantileRecalibration:
            let quantiles = LogQuantileFunction(base)
            for s in sortedScores { evidence.append(Self.length(quantiles.value(at: s))) }
        }
        let prior = options.priorWeight * max(0, 1 - Double(n) / Double(options.window))
        guard prior > 0 else { return LengthDistribution(ascendingSamples: evidence, weights: nil) }
        return Self.merge(base: base, baseShare: prior / (prior + Double(n)), evidence: evidence)
    }

    /// `base` weighted `baseShare`, the evidence (ascending, equal weights) the rest.
    static func merge(base: LengthDistribution, baseShare: Double, evidence: [Int]) -> LengthDistribution {
        let samples = base.samples
        let weights = base.weights
        let total = weights?.reduce(0, +) ?? Double(samples.count)
        let baseScale = total > 0 ? baseShare / total : 0
        let evidenceWeight = (1 - baseShare) / Double(evidence.count)
        var mergedSamples = [Int](), mergedWeights = [Double]()
        mergedSamples.reserveCapacity(samples.count + evidence.count)
        mergedWeights.reserveCapacity(samples.count + evidence.count)
        var i = 0, j = 0
        while i < samples.count || j < evidence.count {
            if j == evidence.count || (i < samples.count && samples[i] <= evidence[j]) {
                mergedSamples.append(samples[i])
                mergedWeights.append((weights?[i] ?? 1) * baseScale)
                i += 1
            } else {
                mergedSamples.append(evidence[j])
                mergedWeights.append(evidenceWeight)
                j += 1
            }
        }
        return LengthDistribution(ascendingSamples: mergedSamples, weights: mergedWeights)
    }

    /// A token count from a real-valued length: rounded, at least 1, and far from overflow.
    static func length(_ value: Double) -> Int {
        guard value.isFinite else { return value > 0 ? 1 << 30 : 1 }
        return Int(min(max(value.rounded(), 1), Double(1 << 30)))
    }

    /// First index whose score is ≥ `value`.
    static func firstIndex(in scores: [Double], notBelow value: Double) -> Int {
        var lo = 0, hi = scores.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if scores[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
