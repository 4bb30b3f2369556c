import JITServeCore

/// Without a trained forest the scheduler is told the only thing known: the output cap.
struct MaxTokensLengthPredictor: OutputLengthPredictor {
    let name = "max-tokens"
    func distribution(for request: Request) -> LengthDistribution { .exactly(request.maxOutputTokens) }
}
