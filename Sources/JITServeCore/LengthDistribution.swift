/// A per-request distribution of output length, held as sorted samples (e.g. the training
/// targets of the quantile-regression-forest leaves a prompt falls into).
///
/// Schedulers ask it for a conservative upper bound and, as a request generates tokens without
/// stopping, for the bound conditioned on "longer than what it has produced so far" (DESIGN §4).
public struct LengthDistribution: Hashable, Sendable {
    /// The arrays behind one distribution, shared by every copy: a distribution rides in each
    /// request's scheduler row, which the engine copies every iteration, and one reference
    /// costs a quarter of the retains that four arrays would.
    @usableFromInline final class Storage: Sendable {
        @usableFromInline let samples: [Int]
        @usableFromInline let weights: [Double]?
        /// suffixWeight[i] = total weight of samples[i...]; suffixMass[i] = Σ weight·length over
        /// the same suffix. Precomputed so that conditioning on "longer than g" costs a binary
        /// search, not a pass over the samples, every iteration for every request.
        @usableFromInline let suffixWeight: [Double]
        @usableFromInline let suffixMass: [Double]

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
        }
    }

    /// What is asked of a request that has generated nothing — below every sample, which
    /// conditions on nothing — kept in the value itself, not behind `storage`. A scheduler asks
    /// it of every queued request each iteration, and following ten thousand references to as
    /// many objects costs a cache miss each, one row at a time (`jitserve bench scheduler`).
    /// Found when the distribution is built, not memoised (a memo's atomics made every caller
    /// copy its row first), and read by the inlinable methods below without a call.
    @usableFromInline struct Head: Sendable {
        /// samples[0]: `generated` below it conditions on nothing.
        @usableFromInline var firstSample: Int
        @usableFromInline var lastSample: Int
        /// The expected length (NaN when every weight is 0).
        @usableFromInline var unconditionedMean: Double
        /// The bound at `headQuantile`.
        @usableFromInline var bound: Int
    }

    @usableFromInline let storage: Storage
    @usableFromInline let head: Head

    private init(storage: Storage) {
        self.storage = storage
        let samples = storage.samples, weight = storage.suffixWeight
        head = Head(
            firstSample: samples[0], lastSample: samples[samples.count - 1],
            unconditionedMean: weight[0] > 0 ? storage.suffixMass[0] / weight[0] : .nan,
            bound: Self.searchUpperBound(quantile: Self.headQuantile, generated: 0, samples: samples, suffixWeight: weight))
    }

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
            self.init(storage: Storage(samples: order.map { max(1, samples[$0]) }, weights: order.map { weights[$0] }))
        } else {
            self.init(storage: Storage(samples: samples.map { max(1, $0) }.sorted(), weights: nil))
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
        self.init(storage: Storage(samples: samples, weights: weights))
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
    @inlinable
    public func upperBound(quantile: Double, generated: Int = 0) -> Int {
        if generated < head.firstSample, quantile == Self.headQuantile { return head.bound }
        let storage = storage
        return Self.searchUpperBound(quantile: quantile, generated: generated, samples: storage.samples,
                                     suffixWeight: storage.suffixWeight)
    }

    @inlinable
    static func searchUpperBound(quantile: Double, generated: Int, samples: [Int], suffixWeight: [Double]) -> Int {
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
    @inlinable
    static func firstIndex(in samples: [Int], above value: Int) -> Int {
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
    @inlinable
    public func probability(atMost length: Int, generated: Int = 0) -> Double {
        guard length > generated else { return 0 }
        // Nothing generated yet (below every sample) conditions on nothing: what a queued
        // request asks, every iteration, answered from `head` when the length is outside the
        // samples and with one search fewer otherwise.
        if generated < head.firstSample, !head.unconditionedMean.isNaN {
            if length < head.firstSample { return 0 }
            if length >= head.lastSample { return 1 }
            let storage = storage, total = storage.suffixWeight[0]
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
    @inlinable
    public func expectedLength(generated: Int = 0) -> Double {
        if generated < head.firstSample, !head.unconditionedMean.isNaN { return head.unconditionedMean }
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
