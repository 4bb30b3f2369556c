import ArgumentParser
import Foundation
import JITServeCore
import JITServePrediction

extension PredictorCommand {
    /// `jitserve predictor eval`: coverage, tightness and pinball loss of the forest's bounds
    /// beside the prompt-agnostic baseline, with the refinement curve.
    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "eval",
            abstract: "Evaluate length bounds on rows with known lengths, beside the global baseline.",
            discussion: """
                Without --online every row is judged by the forest as trained. With --online the \
                rows are replayed in file order as requests to the estimator policies use, which \
                calibrates itself from each row's true length after giving that row its bound; \
                it is reported beside the forest alone, the prompt-agnostic baseline, and that \
                baseline calibrated the same way (the recent lengths), and beside two hindsight \
                floors (bounds fitted on the rows they judge: one per application, and one per \
                application and stratum of the forest's estimate) that show how tight a bound \
                reading the same input could be. Data: JSONL with prompt \
                (or prompt_tokens) and output_tokens, the ShareGPT extract, a length log \
                written by `serve --length-log`, or a request trace CSV (Azure 2023 or vidur, \
                as `simulate --workload` reads; token counts only, in file order).
                """
        )

        @Option(help: "Model file (default: the model that ships with jitserve).")
        var model: String?
        @Option(help: "JSONL rows with known output lengths, or a request trace CSV.")
        var data: String
        @Option(help: "Quantile of the upper bound, in (0, 1].")
        var quantile: Double = 0.95
        @Option(help: "Rows to evaluate: auto (held-out rows when rows carry ids), all, train, test.")
        var split: SplitOption = .auto
        @Option(help: "Also write the figures as JSON here.")
        var json: String?
        @Flag(help: "Evaluate as if requests carried no prompt text (token count only).")
        var dropPromptText = false
        @Flag(help: "Skip malformed rows (listed on stderr) instead of failing.")
        var skipBadRows = false
        @Flag(help: "Replay the rows in order, calibrating online (see below).")
        var online = false
        @Option(help: "With --online: rows left out of the steady-state figures while calibration warms up.")
        var burnIn = 200
        @Option(help: ArgumentHelp("With --online: conformal or pit (quantile recalibration).", valueName: "method"))
        var calibration: PredictorOptions.Calibration = .conformal
        @Option(help: "With --online: finished requests each calibration window keeps.")
        var calibrationWindow = LengthCalibrator.Options().window
        @Option(help: "Only rows answered by this model (a length log's served_model).")
        var servedModel: String?

        struct Report: Encodable {
            var data: String
            var split: String
            var rows: Int
            var quantile: Double
            var promptText: Bool
            var model: LengthEvaluation
            var global: LengthEvaluation

            enum CodingKeys: String, CodingKey {
                case data, split, rows, quantile, model, global
                case promptText = "prompt_text"
            }
        }

        func validate() throws {
            guard quantile > 0 && quantile <= 1 else { throw ValidationError("--quantile must be in (0, 1]") }
            guard burnIn >= 0 else { throw ValidationError("--burn-in must not be negative, got \(burnIn)") }
            guard calibrationWindow >= 1 else { throw ValidationError("--calibration-window must be at least 1, got \(calibrationWindow)") }
            if online && calibration == .off { throw ValidationError("--online needs a calibration method: conformal or pit") }
        }

        func run() async throws {
            let predictor = try model.map { try QRFLengthPredictor.load(path: $0) } ?? QRFLengthPredictor.loadDefault()
            let all = try PredictorCommand.loadExamples(path: data, skipBadRows: skipBadRows, servedModel: servedModel)
            let (split, rows) = PredictorCommand.select(all, split: self.split, preferred: .test)
            guard !rows.isEmpty else { throw PredictionError.emptyDataset(file: "\(data) (split \(split.rawValue))") }
            if online { return try runOnline(predictor: predictor, rows: rows, split: split) }
            let truths = rows.map(\.outputTokenCount)
            let forest = rows.map {
                predictor.distribution(promptText: dropPromptText ? nil : $0.promptText,
                                       promptTokenCount: $0.promptTokenCount, kind: $0.kind)
            }
            let global = predictor.globalPredictor().lengths
            let report = Report(
                data: data, split: split.rawValue, rows: rows.count, quantile: quantile, promptText: !dropPromptText,
                model: LengthEvaluation(predictor: "qrf", quantile: quantile, distributions: forest, truths: truths),
                global: LengthEvaluation(predictor: "global", quantile: quantile,
                                         distributions: Array(repeating: global, count: rows.count), truths: truths))
            print("rows \(rows.count) (split \(split.rawValue)), quantile \(quantile)\(dropPromptText ? ", prompt text dropped" : "")")
            print("predictor  g     rows   coverage  median_ratio  mean_ratio  pinball_loss")
            for evaluation in [report.model, report.global] {
                for point in evaluation.refinement {
                    let cells = [
                        evaluation.predictor.padding(toLength: 9, withPad: " ", startingAt: 0),
                        String(point.generated).padding(toLength: 5, withPad: " ", startingAt: 0),
                        String(point.count).padding(toLength: 6, withPad: " ", startingAt: 0),
                        PredictorCommand.format(point.coverage).padding(toLength: 9, withPad: " ", startingAt: 0),
                        PredictorCommand.format(point.medianRatio).padding(toLength: 13, withPad: " ", startingAt: 0),
                        PredictorCommand.format(point.meanRatio).padding(toLength: 11, withPad: " ", startingAt: 0),
                        PredictorCommand.format(point.pinballLoss, 2),
                    ]
                    print(cells.joined(separator: "  "))
                }
            }
            if let json { try PredictorCommand.writeJSON(report, to: json) }
        }
    }
}
