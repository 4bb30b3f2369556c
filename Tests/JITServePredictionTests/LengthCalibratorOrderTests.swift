import JITServeCore
@testable import JITServePrediction
import Testing

/// The calibrator keeps its window's scores sorted incrementally (insert, evict, and a re-sort
/// of the previous order at each refit); what a calibrated distribution reads must be exactly
/// the window's scores sorted afresh.
@Suite struct LengthCalibratorOrderTests {
    @Test(arguments: [LengthCalibrator.Method.conformal, .quantileRecalibration])
    func sortedScoresAreAlwaysTheWindowSorted(method: LengthCalibrator.Method) {
        var calibrator = LengthCalibrator(options: .init(method: method, window: 48))
        var rng = SplitMix64(seed: 7)
        // Bases of different scales and truths drawn from a few values, so that equal scores
        // (and their eviction) are common and refits move the line.
        let bases = [10, 40, 200].map { scale in LengthDistribution(samples: (1...20).map { $0 * scale / 4 + 1 }) }
        for step in 0..<1_500 {
            let base = bases[Int(rng.next() % 3)]
            let truth = [5, 20, 80, 300][Int(rng.next() % 4)] * (step < 700 ? 1 : 3)
            calibrator.record(truth: truth, base: base)
            let expected = calibrator.ring.map(\.score).sorted()
            #expect(calibrator.sortedScores == expected, "step \(step)")
            if calibrator.sortedScores != expected { return }
        }
        #expect(calibrator.count == 48)
    }
}
