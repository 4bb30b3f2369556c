/// A per-request distribution of output length, held as sorted samples (e.g. the training
/// targets of the quantile-regression-forest leaves a prompt falls into).
///
/// Schedulers ask it for a conservative upper bound and, as a request generates tokens without
/// stopping, for the bound conditioned on "longer than what it has produced so far" (DESIGN §4).
public struct LengthDistribution: Hashable, Sendable {
    /// Sample lengths, ascending, all ≥ 1.
    public let samples: [Int]
    /// Optional weights of the samples (same count), nil for equal weights.
    public let weights: [Double]?

    /// - Parameters:
    ///   - samples: Output lengths; need not be sorted. Must not be empty.
    ///   - weights: Non-negative weights, one per sample, or nil.
    public init(samples: [Int], weights: [Double]? = nil) {
        precondition(!samples.isEmpty, "a length distribution needs at least one sample")
        if let weights {
            precondition(weights.count == samples.count, "one weight per sample")
            let order = samples.indices.sorted { samples[$0] < samples[$1] }
            self.samples = order.map { max(1, samples[$0]) }
            self.weights = order.map { weights[$0] }
        } else {
            self.samples = samples.map { max(1, $0) }.sorted()
            self.weights = nil
        }
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
        let q = min(max(quantile, 0), 1)
        // First index whose sample is > generated.
        var lo = 0, hi = samples.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if samples[mid] > generated { hi = mid } else { lo = mid + 1 }
        }
        let start = lo
        if start == samples.count { return max(generated + 1, 2 * generated) }
        if let weights {
            var total = 0.0
            for i in start..<samples.count { total += weights[i] }
            if total <= 0 { return samples[samples.count - 1] }
            let target = q * total
            var acc = 0.0
            for i in start..<samples.count {
                acc += weights[i]
                if acc >= target - 1e-12 { return samples[i] }
            }
            return samples[samples.count - 1]
        }
        let n = samples.count - start
        // Nearest-rank quantile over the surviving samples.
        let rank = max(1, Int((q * Double(n)).rounded(.up)))
        return samples[start + min(n, rank) - 1]
    }

    /// Expected length given that it exceeds `generated` (the tail rule as in `upperBound`).
    public func expectedLength(generated: Int = 0) -> Double {
        var sum = 0.0, total = 0.0
        for (i, s) in samples.enumerated() where s > generated {
            let w = weights?[i] ?? 1
            sum += Double(s) * w
            total += w
        }
        if total == 0 { return Double(max(generated + 1, 2 * generated)) }
        return sum / total
    }
}

/// Gives each arriving request its output-length distribution. Implementations: the quantile
/// regression forest, the prompt-agnostic global distribution, and the oracle used for ceilings.
public protocol OutputLengthPredictor: Sendable {
    /// A short name for reports (`qrf`, `global`, `oracle`).
    var name: String { get }
    func distribution(for request: Request) -> LengthDistribution
    /// Online feedback: `request` finished after producing `outputTokenCount` tokens.
    mutating func observe(_ request: Request, outputTokenCount: Int)
}

extension OutputLengthPredictor {
    public mutating func observe(_ request: Request, outputTokenCount: Int) {}
}
