import JITServeCore

/// The request analyzer's length estimator (DESIGN §4): a quantile regression forest over prompt
/// features. A request with prompt text is answered by the text forest; one that carries only
/// a token count (trace replays) by a second forest grown on token count and SLO kind alone, so
/// the predictor degrades gracefully instead of falling back to the global distribution.
public struct QRFLengthPredictor: OutputLengthPredictor {
    public let name = "qrf"
    /// Grown on `PromptFeatureSet.text`.
    public let textForest: QuantileRegressionForest
    /// Grown on `PromptFeatureSet.tokenCount`.
    public let tokenCountForest: QuantileRegressionForest
    /// Every training target, ascending: the global baseline ships inside the model.
    public let trainingLengths: [Int]

    public init(
        textForest: QuantileRegressionForest, tokenCountForest: QuantileRegressionForest, trainingLengths: [Int]
    ) throws {
        guard textForest.featureCount == PromptFeaturizer.featureCount(.text),
              tokenCountForest.featureCount == PromptFeaturizer.featureCount(.tokenCount) else {
            throw PredictionError.invalidParameter(name: "forest", reason: "feature count does not match the featurizer")
        }
        guard !trainingLengths.isEmpty else {
            throw PredictionError.invalidParameter(name: "trainingLengths", reason: "must not be empty")
        }
        self.textForest = textForest
        self.tokenCountForest = tokenCountForest
        self.trainingLengths = trainingLengths.sorted()
    }

    public func distribution(for request: Request) -> LengthDistribution {
        distribution(promptText: request.promptText, promptTokenCount: request.promptTokenCount, kind: request.kind)
            .capped(at: request.maxOutputTokens)
    }

    /// The conditional length distribution for a prompt; text may be absent or empty.
    public func distribution(promptText: String?, promptTokenCount: Int, kind: SLOKind?) -> LengthDistribution {
        if let promptText, !promptText.isEmpty {
            let features = PromptFeaturizer.features(.text, promptText: promptText, promptTokenCount: promptTokenCount, kind: kind)
            return textForest.distribution(for: features)
        }
        let features = PromptFeaturizer.features(.tokenCount, promptText: nil, promptTokenCount: promptTokenCount, kind: kind)
        return tokenCountForest.distribution(for: features)
    }

    /// The prompt-agnostic baseline built from the same training rows.
    public func globalPredictor() -> GlobalLengthPredictor {
        // Non-empty by construction (checked in init).
        try! GlobalLengthPredictor(lengths: trainingLengths)
    }
}
