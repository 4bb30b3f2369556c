/// A per-request distribution of output length, held as sorted samples (e.g. the training
/// targets of the quantile-regression-forest leaves a prompt falls into).
///
/// Schedulers ask it for a conservative upper bound and, as a request generates tokens without
/// stopping, for the bound conditioned on "longer than what it has produced so far" (DESIGN §4).
public struct LengthDistribution: Hashable, Sendable {
    /// The arrays behind one distribution, shared by every copy: a distribution rides in each
    /// request's scheduler row, which the engine copies every iteration, and one reference
    /// costs a quarter of the retains that four arrays would.
    private final class Storage: Sendable {
        // The scalars first, so a request still in the queue (nothing generated, which is below
        // every sample) is answered from the object's first cache line: a scheduler asks every
        // waiting request's bound each iteration, and chasing the arrays of 10,000 queued
        // distributions cost it ~20 cache misses a request (`jitserve bench scheduler`).
        /// samples[0]: `generated` below it conditions on nothing.
        let firstSample: Int
        /// The expected length conditioned on nothing (NaN when every weight is 0).
        let unconditionedMean: Double
        /// The unconditioned bound at `headQuantile`, found once: what every scheduling policy
        /// asks of every queued request each iteration. A precomputed answer, not a memo, so
        /// that asking writes nothing: a scheduler's pass over its queue can then read each row
        /// in place, where a possible write (a memo's atomics) makes the compiler copy the row
        /// and retain its distribution first — an atomic increment per row on a line not yet in
        /// cache, which serialises what would otherwise be overlapping misses.
        let headBound: Int
        let samples: [Int]
        let weights: [Double]?
        /// suffixWeight[i] = total weight of samples[i...]; suffixMass[i] = Σ weight·length over
        /// the same suffix. Precomputed so that conditioning on "longer than g" costs a binary
        /// search, not a pass over the samples, every iteration for every request.
        let suffixWeight: [Double]
        let suffixMass: [Double]

        init(samples: [Int], weights: [Double]?) {
            self.samples = samples
            self.weights = weights
            var weight = [Double](repeating: 0, count: samples.count + 1)
            var mass = [Double](repeating: 0, count: samples.count + 1)
            for i in stride(from: samples.count - 1, through: 0, by: -1) {
                let w = weights?[i] ?? 1
                weight[i] = weight[i + 1] + w
                mass[i] = mass[i + 1] + w * Double(samples[i])
            }
            suffixWeight = weight
            suffixMass = mass
            firstSample = samples[0]
            unconditionedMean = weight[0] > 0 ? mass[0] / weight[0] : .nan
            headBound = LengthDistribution.searchUpperBound(
                quantile: LengthDistribution.headQuantile, generated: 0, samples: samples, suffixWeight: weight)
        }
    }

    private let storage: Storage


    /// The quantile whose unconditioned bound is precomputed: the one every scheduling policy
    /// and router uses by default (others cost a binary search).
    public static let headQuantile = 0.95

    /// Sample lengths, ascending, all ≥ 1.
    public var samples: [Int] { storage.samples }
    /// Optional weights of the samples (same count), nil for equal weights.
    public var weights: [Double]? { storage.weights }

    public static func == (a: LengthDistribution, b: LengthDistribution) -> Bool {
        a.storage === b.storage || (a.samples == b.samples && a.weights == b.weights)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(samples)
        hasher.combine(weights)
    }

    /// - Parameters:
    ///   - samples: Output lengths; need not be sorted. Must not be empty.
    ///   - weights: Non-negative weights, one per sample, or nil.
    public init(samples: [Int], weights: [Double]? = nil) {
        precondition(!samples.isEmpty, "a length distribution needs at least one sample")
        if let weights {
            precondition(weights.count == samples.count, "one weight per sample")
            let order = samples.indices.sorted { samples[$0] < samples[$1] }
            storage = Storage(samples: order.map { max(1, samples[$0]) }, weights: order.map { weights[$0] })
        } else {
            storage = Storage(samples: samples.map { max(1, $0) }.sorted(), weights: nil)
        }
    }

    /// Samples already ascending (and ≥ 1), e.g. merged from a forest's leaves: skips the sort,
    /// which dominates the cost of a per-request prediction. Order is checked, not assumed.
    public init(ascendingSamples samples: [Int], weights: [Double]?) {
        precondition(!samples.isEmpty, "a length distribution needs at least one sample")
        precondition(weights == nil || weights!.count == samples.count, "one weight per sample")
        var previous = 1
        for s in samples {
            precondition(s >= previous, "samples must be ascending and ≥ 1")
            previous = s
        }
        storage = Storage(samples: samples, weights: weights)
    }

    /// A point mass: what an oracle knows.
    public static func exactly(_ length: Int) -> LengthDistribution {
        LengthDistribution(samples: [length])
    }

    /// The `quantile` (0…1] of the output length given that it exceeds `generated` tokens.
    ///
    /// Never below `generated + 1`: a request still running will produce at least one more
    /// token. When every sample is ≤ `generated` (the request has outlived all evidence), the
    /// tail rule applies: assume it is halfway through, i.e. bound = 2·generated, which keeps the
    /// bound growing geometrically rather than collapsing onto what was already produced.
    public func upperBound(quantile: Double, generated: Int = 0) -> Int {
        let storage = storage
        // Below every sample, `generated` conditions on nothing: the answer depends on the
        // quantile alone.
        if generated < storage.firstSample, quantile == Self.headQuantile { return storage.headBound }
        return Self.searchUpperBound(quantile: quantile, generated: generated, samples: storage.samples,
                                     suffixWeight: storage.suffixWeight)
    }

    private static func searchUpperBound(quantile: Double, generated: Int, samples: [Int], suffixWeight: [Double]) -> Int {
        let q = min(max(quantile, 0), 1)
        let start = firstIndex(in: samples, above: generated)
        if start == samples.count { return max(generated + 1, 2 * generated) }
        let total = suffixWeight[start]
        if total <= 0 { return samples[samples.count - 1] }
        // Smallest i ≥ start whose cumulative weight from `start` reaches q·total, i.e. the
        // first i with suffixWeight[i + 1] ≤ total − q·total (suffixWeight is non-increasing).
        let remaining = total - q * total + 1e-12 * total
        var a = start, b = samples.count - 1
        while a < b {
            let mid = (a + b) / 2
            if suffixWeight[mid + 1] <= remaining { b = mid } else { a = mid + 1 }
        }
        return samples[a]
    }

    /// First index whose sample is greater than `value` (`samples.count` when none is).
    private static func firstIndex(in samples: [Int], above value: Int) -> Int {
        var lo = 0, hi = samples.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if samples[mid] > value { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Probability that the output ends within `length` tokens, given that it exceeds
    /// `generated`: the chance a request finishes if it can still produce `length − generated`
    /// tokens. A request that has outlived every sample gets the tail rule's view (it is
    /// halfway through), so the answer is 1 from twice what it has produced.
    public func probability(atMost length: Int, generated: Int = 0) -> Double {
        guard length > generated else { return 0 }
        let storage = storage
        // Nothing generated yet (below every sample) conditions on nothing: what a queued
        // request asks, every iteration, and one search fewer per request.
        if generated < storage.firstSample, !storage.unconditionedMean.isNaN {
            if length < storage.firstSample { return 0 }
            let total = storage.suffixWeight[0]
            return (total - storage.suffixWeight[Self.firstIndex(in: storage.samples, above: length)]) / total
        }
        let samples = storage.samples, suffixWeight = storage.suffixWeight
        let start = Self.firstIndex(in: samples, above: generated)
        let total = suffixWeight[start]
        if start == samples.count || total <= 0 { return length >= max(generated + 1, 2 * generated) ? 1 : 0 }
        let end = Self.firstIndex(in: samples, above: length)
        return (total - suffixWeight[end]) / total
    }

    /// Expected length given that it exceeds `generated` (the tail rule as in `upperBound`).
    public func expectedLength(generated: Int = 0) -> Double {
        if generated < storage.firstSample, !storage.unconditionedMean.isNaN { return storage.unconditionedMean }
        let samples = storage.samples, suffixWeight = storage.suffixWeight
        let lo = Self.firstIndex(in: samples, above: generated)
        let total = suffixWeight[lo]
        if lo == samples.count || total <= 0 { return Double(max(generated + 1, 2 * generated)) }
        return storage.suffixMass[lo] / total
    }
}

/// Gives each arriving request its output-length distribution. Implementations: the quantile
/// regression forest, the prompt-agnostic global distribution, and the oracle used for ceilings.
public protocol OutputLengthPredictor: Sendable {
    /// A short name for reports (`qrf`, `global`, `oracle`).
    var name: String { get }
    /// The distribution for an arriving request. Mutating so that an online estimator can
    /// remember what it told this request and later learn from its outcome (`observe`)
    /// without computing it twice; a stateless predictor implements it as a plain `func`.
    mutating func distribution(for request: Request) -> LengthDistribution
    /// Online feedback: `request` finished after producing `outputTokenCount` tokens.
    mutating func observe(_ request: Request, outputTokenCount: Int)
    /// `request` ended with no length to learn from (its client went away): whatever was kept
    /// for it can go.
    mutating func forget(_ request: Request)
}

extension OutputLengthPredictor {
    public mutating func observe(_ request: Request, outputTokenCount: Int) {}
    public mutating func forget(_ request: Request) {}
}
