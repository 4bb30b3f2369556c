import ArgumentParser
import Foundation
import JITServePrediction

extension PredictorCommand {
    /// `jitserve predictor train`: grow the length forests and write a model file.
    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Train the quantile regression forest on prompt/output-length rows (JSONL or a trace CSV).",
            discussion: """
                Data: JSONL rows with prompt (or prompt_tokens) and output_tokens, the ShareGPT \
                extract, a length log written by `serve --length-log` (rows that stored \
                prompt_features instead of the prompt train on those), or a request trace CSV \
                (Azure 2023 or vidur: token counts only). Load the result with \
                --predictor MODEL in serve, simulate and bench.
                With --split auto (the default), rows that carry an id (ShareGPT's conv_id) are \
                trained on only when fnv1a64(id) % 10 != 0; the held-out tenth is left for eval.
                """
        )

        @Option(help: "JSONL rows: prompt + output_tokens, the ShareGPT extract's schema, or a length log; or a trace CSV.")
        var data: String
        @Option(help: "Only rows answered by this model (a length log's served_model).")
        var servedModel: String?
        @Option(help: "Where to write the model.")
        var out: String
        @Option(help: "Rows to train on: auto, all, train, test.")
        var split: SplitOption = .auto
        @Option(help: "Trees in the text forest.")
        var trees: Int = QuantileRegressionForest.TrainingConfiguration().treeCount
        @Option(help: "Minimum training targets per leaf of the text forest.")
        var minLeaf: Int = QuantileRegressionForest.TrainingConfiguration().minimumLeafSize
        @Option(help: "Share of features tried per split.")
        var featureFraction: Double = QuantileRegressionForest.TrainingConfiguration().featureFraction
        @Option(help: "Share of rows each tree is grown on.")
        var sampleFraction: Double = QuantileRegressionForest.TrainingConfiguration().sampleFraction
        @Option(help: "Random seed (training is deterministic for a given seed).")
        var seed: UInt64 = 42
        @Flag(help: "Skip malformed rows (listed on stderr) instead of failing.")
        var skipBadRows = false

        func run() async throws {
            let all = try PredictorCommand.loadExamples(path: data, skipBadRows: skipBadRows, servedModel: servedModel)
            let (split, rows) = PredictorCommand.select(all, split: self.split, preferred: .train)
            guard !rows.isEmpty else { throw PredictionError.emptyDataset(file: "\(data) (split \(split.rawValue))") }
            var configuration = QRFLengthPredictor.TrainingConfiguration()
            configuration.text.treeCount = trees
            configuration.text.minimumLeafSize = minLeaf
            configuration.text.featureFraction = featureFraction
            configuration.text.sampleFraction = sampleFraction
            configuration.text.seed = seed
            configuration.tokenCount.seed = seed &+ 1
            let started = Date()
            let model = try QRFLengthPredictor.train(examples: rows, configuration: configuration)
            let elapsed = Date().timeIntervalSince(started)
            try model.save(to: out)
            let size = model.serialized().count
            let nodes = model.textForest.trees.reduce(0) { $0 + $1.nodeCount }
            print("trained on \(rows.count) of \(all.count) rows (split \(split.rawValue)) in \(PredictorCommand.format(elapsed, 1)) s")
            print("text forest: \(model.textForest.trees.count) trees, \(nodes) nodes; token-count forest: \(model.tokenCountForest.trees.count) trees")
            print("wrote \(out) (\(size) bytes)")
        }
    }
}
