import Foundation
import JITServeCore
import JITServePrediction

extension PredictorCommand.Eval {
    /// `--online --json` output.
    struct OnlineReport: Encodable {
        var data: String
        var split: String
        var rows: Int
        var quantile: Double
        var promptText: Bool
        var calibration: String
        var calibrationWindow: Int
        var predictors: [OnlineLengthEvaluation]
        /// Hindsight floors over the same rows (not predictors: fitted on the rows they judge).
        var floor: LengthBoundFloor

        enum CodingKeys: String, CodingKey {
            case data, split, rows, quantile, calibration, predictors, floor
            case promptText = "prompt_text"
            case calibrationWindow = "calibration_window"
        }
    }

    /// Replays `rows` in order through the forest alone, the estimator policies read, the
    /// prompt-agnostic baseline, and that baseline calibrated online; prints and writes the figures.
    func runOnline(predictor forest: QRFLengthPredictor, rows: [LengthExample], split: LengthDatasetSplit) throws {
        let method: LengthCalibrator.Method = calibration == .pit ? .quantileRecalibration : .conformal
        let options = LengthCalibrator.Options(method: method, window: calibrationWindow)
        try options.validate()
        let servedModel = servedModel ?? "default"
        let global = forest.globalPredictor()
        let predictors: [any OutputLengthPredictor] = [
            forest,
            ApplicationLengthPredictor.estimator(forest: forest, servedModel: servedModel, calibration: options),
            global,
            // Prompt-agnostic and calibrated: in effect the recent true lengths. No neighbour
            // estimate, which would read the prompt's length.
            ApplicationLengthPredictor(base: global, minimumObserved: Int.max, servedModel: servedModel, calibration: options),
        ]
        let labels = ["qrf", "qrf+cal", "global", "global+cal"]
        let replayed = dropPromptText ? rows.map { var row = $0; row.promptText = nil; return row } : rows
        Console.error("replaying \(rows.count) rows through \(labels.joined(separator: ", "))…")
        var evaluations = OnlineLengthEvaluation.replay(rows: replayed, predictors: predictors, quantile: quantile, burnIn: burnIn)
        for i in evaluations.indices { evaluations[i].predictor = labels[i] }
        // The forest's 0.75-quantile (the calibrator's anchor) stratifies the forest-informed floor.
        let anchors = replayed.map {
            Double(forest.distribution(promptText: $0.promptText, promptTokenCount: $0.promptTokenCount, kind: $0.kind)
                .upperBound(quantile: options.anchorQuantile))
        }
        let floor = LengthBoundFloor.measure(
            truths: rows.map(\.outputTokenCount), applications: rows.map { $0.application ?? "default" }, anchors: anchors,
            quantile: quantile, burnIn: burnIn)
        let report = OnlineReport(
            data: data, split: split.rawValue, rows: rows.count, quantile: quantile, promptText: !dropPromptText,
            calibration: method.rawValue, calibrationWindow: calibrationWindow, predictors: evaluations, floor: floor)
        printOnline(report)
        if let json { try PredictorCommand.writeJSON(report, to: json) }
    }

    private func printOnline(_ report: OnlineReport) {
        let burnIn = report.predictors.first?.burnIn ?? 0
        let globalLoss = report.predictors.first { $0.predictor == "global" }?.steady.pinballLoss ?? 0
        func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        func number(_ value: Double, _ digits: Int = 3) -> String { PredictorCommand.format(value, digits) }
        print("online replay of \(report.rows) rows (split \(report.split)) in file order, quantile \(report.quantile)"
              + "\(report.promptText ? "" : ", prompt text dropped"); calibration \(report.calibration), window \(report.calibrationWindow)")
        print("figures after the first \(burnIn) rows, except coverage_all; windows: coverage of each 100 rows after the first \(burnIn)")
        print("predictor   coverage_all  coverage  windows      median_ratio  mean_ratio  pinball_loss  vs_global")
        for e in report.predictors {
            let steadyWindows = e.windowCoverage.dropFirst(burnIn / max(1, e.windowSize))
            let range = steadyWindows.isEmpty ? "-" : "\(number(steadyWindows.min()!, 2))–\(number(steadyWindows.max()!, 2))"
            let change = globalLoss > 0 ? String(format: "%+.0f%%", 100 * (e.steady.pinballLoss / globalLoss - 1)) : "-"
            print(cell(e.predictor, 12) + cell(number(e.whole.coverage), 14) + cell(number(e.steady.coverage), 10)
                  + cell(range, 13) + cell(number(e.steady.medianRatio), 14) + cell(number(e.steady.meanRatio), 12)
                  + cell(number(e.steady.pinballLoss, 2), 14) + change)
        }
        let floor = report.floor
        print("hindsight floors over the same rows (bounds fitted on the rows they judge, so optimistic):")
        for (label, point) in [("constant", floor.constant), ("qrf-strata", floor.stratified)] {
            guard let point else { continue }
            let change = globalLoss > 0 ? String(format: "%+.0f%%", 100 * (point.pinballLoss / globalLoss - 1)) : "-"
            print(cell(label, 12) + cell("", 14) + cell(number(point.coverage), 10) + cell("", 13) + cell(number(point.medianRatio), 14)
                  + cell(number(point.meanRatio), 12) + cell(number(point.pinballLoss, 2), 14) + change)
        }
        print("  constant: one bound per application, its \(number(report.quantile, 2))-quantile (the best any prompt-agnostic bound can do); "
              + "qrf-strata: one per application and each of \(floor.strataCount) equal-count strata of the forest's "
              + "\(number(LengthCalibrator.Options().anchorQuantile, 2))-quantile (the best a bound reading only that can do)")
        print("refinement after the first \(burnIn) rows: coverage (rows) of the bound after g generated tokens, rows longer than g")
        print(cell("predictor", 12) + (report.predictors.first?.refinement ?? []).map { cell("g=\($0.generated)", 16) }.joined())
        for e in report.predictors {
            print(cell(e.predictor, 12) + e.refinement.map { cell("\(number($0.coverage)) (\($0.count))", 16) }.joined())
        }
        print("coverage per window of \(report.predictors.first?.windowSize ?? 100) rows, in order:")
        for e in report.predictors {
            print(cell(e.predictor, 12) + e.windowCoverage.map { number($0, 2) }.joined(separator: " "))
        }
    }
}
