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
