import Foundation
import JITServeCore
import JITServePrediction
import Testing

/// The shipped model on the ShareGPT rows it was never trained on. Needs `../shared` (CI has
/// it; a user's clone may not), and skips cleanly without it.
@Suite struct HeldOutShareGPTTests {
    static let dataPath: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/sharegpt/sharegpt_first_turn.jsonl").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: dataPath), "needs ../shared/data/sharegpt"))
    func shippedModelBeatsTheGlobalBaseline() throws {
        let model = try QRFLengthPredictor.loadDefault()
        let rows = LengthDatasetSplit.test.select(try LengthDataset.load(path: Self.dataPath).examples)
        #expect(rows.count > 1000)
        let truths = rows.map(\.outputTokenCount)
        let forest = rows.map { model.distribution(promptText: $0.promptText, promptTokenCount: $0.promptTokenCount, kind: nil) }
        let global = Array(repeating: model.globalPredictor().lengths, count: rows.count)
        for q in [0.9, 0.95] {
            let ours = LengthEvaluation(predictor: "qrf", quantile: q, distributions: forest, truths: truths)
            let baseline = LengthEvaluation(predictor: "global", quantile: q, distributions: global, truths: truths)
            #expect(ours.pinballLoss < baseline.pinballLoss)
            #expect(ours.medianRatio < baseline.medianRatio)
            // Calibrated within a few points of the nominal quantile on unseen rows.
            #expect(abs(ours.coverage - q) < 0.04)
            for point in ours.refinement { #expect(point.count > 0) }
        }
    }
}

/// Online calibration on real prompts whose answers come from a "different model": the
/// held-out ShareGPT lengths rescaled (×2 longer, ×0.5 shorter) and as they are.
@Suite struct HeldOutOnlineCalibrationTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: HeldOutShareGPTTests.dataPath), "needs ../shared/data/sharegpt"),
          arguments: [2.0, 1.0, 0.5])
    func calibratedBoundsHoldTheirQuantileUnderShift(scale: Double) throws {
        let forest = try QRFLengthPredictor.loadDefault()
        var rows = LengthDatasetSplit.test.select(try LengthDataset.load(path: HeldOutShareGPTTests.dataPath).examples)
        for i in rows.indices { rows[i].outputTokenCount = max(1, Int((Double(rows[i].outputTokenCount) * scale).rounded())) }
        let estimator = ApplicationLengthPredictor.estimator(forest: forest, servedModel: "test", calibration: .init())
        let results = OnlineLengthEvaluation.replay(
            rows: rows, predictors: [forest, estimator, forest.globalPredictor()], quantile: 0.9, burnIn: 200)
        let (alone, calibrated, global) = (results[0], results[1], results[2])
        #expect(calibrated.steady.coverage > 0.87 && calibrated.steady.coverage < 0.93, "coverage \(calibrated.steady.coverage)")
        for point in calibrated.refinement.dropFirst() where point.count >= 300 {
            #expect(abs(point.coverage - 0.9) < 0.04, "after \(point.generated) tokens: \(point.coverage)")
        }
        #expect(calibrated.steady.medianRatio < alone.steady.medianRatio || scale == 2)
        #expect(calibrated.steady.pinballLoss < global.steady.pinballLoss)
        if scale != 1 { #expect(calibrated.steady.pinballLoss < 0.6 * alone.steady.pinballLoss) }
        #expect(calibrated.windowCoverage.count == rows.count / 100)
    }
}
