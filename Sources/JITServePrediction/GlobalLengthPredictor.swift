import JITServeCore

/// The prompt-agnostic baseline: every request gets the training set's length distribution.
/// Whatever the forest gains over this is what reading the prompt buys.
public struct GlobalLengthPredictor: OutputLengthPredictor {
    public let name = "global"
    /// The training lengths, as one shared distribution.
    public let lengths: LengthDistribution

    /// - Parameter lengths: Observed output lengths; must not be empty.
    public init(lengths: [Int]) throws {
        guard !lengths.isEmpty else {
            throw PredictionError.invalidParameter(name: "lengths", reason: "the global distribution needs at least one length")
        }
        self.lengths = LengthDistribution(samples: lengths)
    }

    public func distribution(for request: Request) -> LengthDistribution {
        lengths.capped(at: request.maxOutputTokens)
    }
}

extension LengthDistribution {
    /// The distribution with every sample above `limit` moved onto `limit` (a request cannot
    /// outrun its `max_tokens`). Unchanged when `limit` is not positive or nothing exceeds it.
    public func capped(at limit: Int) -> LengthDistribution {
        guard limit > 0, let last = samples.last, last > limit else { return self }
        // Capping keeps the order: no re-sort.
        return LengthDistribution(ascendingSamples: samples.map { min($0, limit) }, weights: weights)
    }
}
