/// A per-request distribution of output length, held as sorted samples (e.g. the training
/// targets of the quantile-regression-forest leaves a prompt falls into).
///
/// Schedulers ask it for a conservative upper bound and, as a request generates tokens without
/// stopping, for the bound conditioned on "longer than what it has produced so far" (DESIGN §4).
public struct LengthDistribution: Hashable, Sendable {
    /// The samples behind one distribution, shared by every copy: a distribution rides in each
    /// request's scheduler row, which the engine copies every iteration, and one reference
    /// costs a quarter of the retains that four arrays would.
    ///
    /// Held in one block of raw memory, not arrays: a search then reads the block's address and
    /// count from this object and goes straight to the samples, where an array would first read
    /// its own header (its count, for the bounds check), a second cache miss per array before
    /// the first probe (`jitserve bench scheduler`). Written once in `init`, never after, and
    /// freed with the object: safe to share across threads.
    @usableFromInline final class Storage: @unchecked Sendable {
        @usableFromInline let count: Int
        /// `count` ascending samples.
        @usableFromInline let sample: UnsafeMutablePointer<Int>
        /// suffixWeight[i] = total weight of samples[i...]; suffixMass[i] = Σ weight·length over
        /// the same suffix (`count + 1` each, the last 0). Precomputed so that conditioning on
        /// "longer than g" costs a binary search, not a pass over the samples, every iteration
        /// for every request.
        @usableFromInline let suffixWeight: UnsafeMutablePointer<Double>
        @usableFromInline let suffixMass: UnsafeMutablePointer<Double>
        let weights: [Double]?
        /// Whether `probability(atMost:)` reads the samples as a sample of a spread-out
        /// length (interpolated between them) rather than as certain values (`exactly`).
        @usableFromInline let interpolates: Bool

        init(samples: [Int], weights: [Double]?, interpolates: Bool = true) {
            count = samples.count
            self.weights = weights
            self.interpolates = interpolates
            // One block: the suffix sums first (8-byte aligned like the samples), then the samples.
            let block = UnsafeMutableRawPointer.allocate(
                byteCount: (3 * count + 2) * MemoryLayout<Double>.stride, alignment: MemoryLayout<Double>.alignment)
            suffixWeight = block.bindMemory(to: Double.self, capacity: 2 * count + 2)
            suffixMass = suffixWeight + (count + 1)
            sample = (block + (2 * count + 2) * MemoryLayout<Double>.stride).bindMemory(to: Int.self, capacity: count)
            sample.initialize(from: samples, count: count)
            suffixWeight[count] = 0
            suffixMass[count] = 0
            for i in stride(from: count - 1, through: 0, by: -1) {
                let w = weights?[i] ?? 1
                suffixWeight[i] = suffixWeight[i + 1] + w
                suffixMass[i] = suffixMass[i + 1] + w * Double(samples[i])
            }
        }

        deinit {
            UnsafeMutableRawPointer(suffixWeight).deallocate()
        }

        var samples: [Int] { Array(UnsafeBufferPointer(start: sample, count: count)) }
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
        let weight = storage.suffixWeight
        head = Head(
            firstSample: storage.sample[0], lastSample: storage.sample[storage.count - 1],
            unconditionedMean: weight[0] > 0 ? storage.suffixMass[0] / weight[0] : .nan,
            bound: storage.upperBound(quantile: Self.headQuantile, generated: 0))
    }

    /// The quantile whose unconditioned bound is precomputed: the one every scheduling policy
    /// and router uses by default (others cost a binary search).
    public static let headQuantile = 0.95

    /// Sample lengths, ascending, all ≥ 1.
    public var samples: [Int] { storage.samples }
    /// Optional weights of the samples (same count), nil for equal weights.
    public var weights: [Double]? { storage.weights }

    public static func == (a: LengthDistribution, b: LengthDistribution) -> Bool {
        a.storage === b.storage
            || (a.samples == b.samples && a.weights == b.weights && a.storage.interpolates == b.storage.interpolates)
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
        LengthDistribution(storage: Storage(samples: [max(1, length)], weights: nil, interpolates: false))
    }

    /// Whether this is a known length (`exactly`), which `probability(atMost:)` never spreads.
    public var isExact: Bool { !storage.interpolates }

    /// The `quantile` (0…1] of the output length given that it exceeds `generated` tokens.
    ///
    /// Never below `generated + 1`: a request still running will produce at least one more
    /// token. When every sample is ≤ `generated` (the request has outlived all evidence), the
    /// tail rule applies: assume it is halfway through, i.e. bound = 2·generated, which keeps the
    /// bound growing geometrically rather than collapsing onto what was already produced.
    ///
    /// Always inlined, so that a caller whose answer is in `head` never passes the distribution
    /// to a call: a value passed to a call it cannot see into is copied first, and the copy's
    /// retain misses the cache on an object the answer did not need (`jitserve bench scheduler`).
    @inlinable @inline(__always)
    public func upperBound(quantile: Double, generated: Int = 0) -> Int {
        if generated < head.firstSample, quantile == Self.headQuantile { return head.bound }
        return storage.upperBound(quantile: quantile, generated: generated)
    }

    /// First index whose sample is greater than `value` (`count` when none is).
    @inlinable
    static func firstIndex(in sample: UnsafePointer<Int>, count: Int, above value: Int) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sample[mid] > value { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Probability that the output ends within `length` tokens, given that it exceeds
    /// `generated`: the chance a request finishes if it can still produce `length − generated`
    /// tokens. The samples stand for a length spread between them: the conditional CDF rises
    /// linearly from `generated` to the first sample above it and from each sample to the
    /// next. Read as a step, a sparse tail — a window of 90 answers with three above 97 tokens,
    /// at 124, 127 and 142 — made a call at token 97 with 23 tokens of time left certain to
    /// miss, and GMAX gave up on it 8 tokens before its end (8B H100 · 256 · azure-code).
    /// A request that has outlived every sample gets the tail rule's view (it is halfway
    /// through): its end is spread evenly up to twice what it has produced. `exactly` is a
    /// step: what an oracle knows is not spread.
    @inlinable @inline(__always)  // as `upperBound`
    public func probability(atMost length: Int, generated: Int = 0, spread: Bool = true) -> Double {
        guard length > generated else { return 0 }
        // Nothing generated yet (below every sample) conditions on nothing: what a queued
        // request asks, every iteration, answered from `head` when the length reaches the last
        // sample and with one search fewer otherwise.
        let conditionsOnNothing = generated < head.firstSample && !head.unconditionedMean.isNaN
        if conditionsOnNothing, length >= head.lastSample { return 1 }
        return storage.probability(
            atMost: length, generated: generated, conditionsOnNothing: conditionsOnNothing, spread: spread && storage.interpolates)
    }

    /// Expected length given that it exceeds `generated` (the tail rule as in `upperBound`).
    @inlinable @inline(__always)  // as `upperBound`
    public func expectedLength(generated: Int = 0) -> Double {
        if generated < head.firstSample, !head.unconditionedMean.isNaN { return head.unconditionedMean }
        return storage.expectedLength(generated: generated)
    }
}

extension LengthDistribution.Storage {
    /// What `head` cannot answer: a search of the samples, out of line so that the inlined
    /// head paths stay small.
    @usableFromInline @inline(never)
    func upperBound(quantile: Double, generated: Int) -> Int {
        let q = min(max(quantile, 0), 1)
        let start = LengthDistribution.firstIndex(in: sample, count: count, above: generated)
        if start == count { return max(generated + 1, 2 * generated) }
        let total = suffixWeight[start]
        if total <= 0 { return sample[count - 1] }
        // Smallest i ≥ start whose cumulative weight from `start` reaches q·total, i.e. the
        // first i with suffixWeight[i + 1] ≤ total − q·total (suffixWeight is non-increasing).
        let remaining = total - q * total + 1e-12 * total
        var a = start, b = count - 1
        while a < b {
            let mid = (a + b) / 2
            if suffixWeight[mid + 1] <= remaining { b = mid } else { a = mid + 1 }
        }
        return sample[a]
    }

    @usableFromInline @inline(never)
    func probability(atMost length: Int, generated: Int, conditionsOnNothing: Bool, spread: Bool) -> Double {
        let start = conditionsOnNothing ? 0 : LengthDistribution.firstIndex(in: sample, count: count, above: generated)
        let total = suffixWeight[start]
        if start == count || total <= 0 {
            let bound = max(generated + 1, 2 * generated)
            guard spread else { return length >= bound ? 1 : 0 }
            // The tail rule's bound, spread evenly over the tokens up to it.
            return min(1, Double(length - generated) / Double(bound - generated))
        }
        let end = LengthDistribution.firstIndex(in: sample, count: count, above: length)
        if end == count { return 1 }
        guard spread else { return (total - suffixWeight[end]) / total }
        // The mass of the samples within reach, and the share of the next length's mass (every
        // sample of that length) that the gap up to it has covered: the CDF rises linearly from
        // the last point at or below `length` (a sample, or `generated`, where it is 0).
        let lower = end > start ? sample[end - 1] : generated
        let nextEnd = LengthDistribution.firstIndex(in: sample, count: count, above: sample[end])
        let covered = Double(length - lower) / Double(sample[end] - lower)
        return (total - suffixWeight[end] + covered * (suffixWeight[end] - suffixWeight[nextEnd])) / total
    }

    @usableFromInline @inline(never)
    func expectedLength(generated: Int) -> Double {
        let lo = LengthDistribution.firstIndex(in: sample, count: count, above: generated)
        let total = suffixWeight[lo]
        if lo == count || total <= 0 { return Double(max(generated + 1, 2 * generated)) }
        return suffixMass[lo] / total
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
