import JITServeCore

/// Without a trained forest the scheduler is told the only thing known: the output cap.
public struct MaxTokensLengthPredictor: OutputLengthPredictor {
    public let name = "max-tokens"

    public init() {}

    public func distribution(for request: Request) -> LengthDistribution { .exactly(request.maxOutputTokens) }
}
