extension QRFLengthPredictor {
    /// Growth settings for the two forests.
    public struct TrainingConfiguration: Sendable, Equatable {
        public var text: QuantileRegressionForest.TrainingConfiguration
        /// The token-count forest has two features, so it needs fewer trees and wider leaves.
        public var tokenCount: QuantileRegressionForest.TrainingConfiguration

        public init(
            text: QuantileRegressionForest.TrainingConfiguration = .init(),
            tokenCount: QuantileRegressionForest.TrainingConfiguration = .init(
                treeCount: 24, minimumLeafSize: 48, maximumDepth: 12, featureFraction: 1, sampleFraction: 0.5, binCount: 64)
        ) {
            self.text = text
            self.tokenCount = tokenCount
        }
    }

    /// Trains both forests on `examples`.
    public static func train(
        examples: [LengthExample], configuration: TrainingConfiguration = .init()
    ) throws -> QRFLengthPredictor {
        guard !examples.isEmpty else {
            throw PredictionError.invalidParameter(name: "examples", reason: "no training rows")
        }
        let targets = examples.map(\.outputTokenCount)
        let textRows = examples.map { example in
            // A length log may carry the prompt's features instead of its text.
            if example.promptText == nil, let stored = example.promptFeatures { return stored }
            return PromptFeaturizer.features(
                .text, promptText: example.promptText, promptTokenCount: example.promptTokenCount, kind: example.kind)
        }
        let countRows = examples.map {
            PromptFeaturizer.features(.tokenCount, promptText: nil, promptTokenCount: $0.promptTokenCount, kind: $0.kind)
        }
        let text = try QuantileRegressionForest.train(features: textRows, targets: targets, configuration: configuration.text)
        let count = try QuantileRegressionForest.train(features: countRows, targets: targets, configuration: configuration.tokenCount)
        return try QRFLengthPredictor(textForest: text, tokenCountForest: count, trainingLengths: targets)
    }
}
