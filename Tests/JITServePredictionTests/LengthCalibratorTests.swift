import Foundation
import JITServeCore
import JITServePrediction
import Testing

@Suite struct LengthCalibratorTests {
    /// What a forest grown on another model might say about a prompt of `prompt` tokens:
    /// lengths spread from prompt/2 to 2·prompt.
    static func base(prompt: Int) -> LengthDistribution {
        LengthDistribution(samples: (0..<32).map { k in Int((Double(prompt) / 2 * pow(4, Double(k) / 31)).rounded()) })
    }

    /// The served model's answers: `scale` · prompt · e^(σZ), a log-normal whose quantiles are known.
    struct ServedModel {
        var scale: Double
        var sigma = 0.3
        var rng = SplitMix64(seed: 7)

        mutating func normal() -> Double {
            let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-12)
            let u2 = Double(rng.next() >> 11) / Double(1 << 53)
            return sqrt(-2 * log(u1)) * cos(2 * .pi * u2)
        }

        mutating func answer(prompt: Int) -> Int { max(1, Int((scale * Double(prompt) * exp(sigma * normal())).rounded())) }

        /// P(length ≤ x) for a prompt of `prompt` tokens.
        func cdf(_ x: Double, prompt: Int) -> Double {
            0.5 * (1 + erf(log(x / (scale * Double(prompt))) / (sigma * sqrt(2))))
        }

        func quantile(_ q: Double, prompt: Int) -> Double {
            // Bisection on the CDF (no inverse erf in Foundation).
            var lo = 1.0, hi = 1e7
            for _ in 0..<100 {
                let mid = (lo + hi) / 2
                if cdf(mid, prompt: prompt) < q { lo = mid } else { hi = mid }
            }
            return lo
        }
    }

    static let prompts = [60, 110, 170, 240, 330, 450]

    /// Feeds `count` finished requests of `model` to `calibrator`.
    static func train(_ calibrator: inout LengthCalibrator, _ model: inout ServedModel, count: Int) {
        for k in 0..<count {
            let prompt = prompts[k % prompts.count]
            calibrator.record(truth: model.answer(prompt: prompt), base: base(prompt: prompt))
        }
    }

    @Test(arguments: [LengthCalibrator.Method.conformal, .quantileRecalibration], [2.5, 0.3])
    func convergesToTheServedModelsQuantile(method: LengthCalibrator.Method, scale: Double) {
        var model = ServedModel(scale: scale)
        var calibrator = LengthCalibrator(options: .init(method: method, window: 512))
        Self.train(&calibrator, &model, count: 1500)
        for prompt in [110, 330] {
            let base = Self.base(prompt: prompt)
            let calibrated = calibrator.calibrate(base)
            for q in [0.5, 0.9, 0.95] {
                let truth = model.quantile(q, prompt: prompt)
                let bound = Double(calibrated.upperBound(quantile: q))
                #expect(abs(bound / truth - 1) < 0.1, "q \(q), prompt \(prompt): bound \(bound), true quantile \(truth)")
            }
            // Widened when the base was short, tightened when it was loose.
            let before = base.upperBound(quantile: 0.9), after = calibrated.upperBound(quantile: 0.9)
            #expect(scale > 1 ? after > before : after < before)
        }
        // Coverage on fresh requests, the calibrator still learning from each.
        var covered = 0
        for k in 0..<2000 {
            let prompt = Self.prompts[k % Self.prompts.count]
            let base = Self.base(prompt: prompt)
            let truth = model.answer(prompt: prompt)
            if truth <= calibrator.calibrate(base).upperBound(quantile: 0.9) { covered += 1 }
            calibrator.record(truth: truth, base: base)
        }
        let coverage = Double(covered) / 2000
        #expect(coverage > 0.87 && coverage < 0.93, "coverage \(coverage)")
    }

    @Test func theRefinementIsCalibratedToo() {
        var model = ServedModel(scale: 2.5)
        var calibrator = LengthCalibrator(options: .init(window: 512))
        Self.train(&calibrator, &model, count: 1500)
        let prompt = 240
        let calibrated = calibrator.calibrate(Self.base(prompt: prompt))
        // After g tokens, the bound should cover 90 % of the answers longer than g.
        for quantile in [0.3, 0.6, 0.9] {
            let g = Int(model.quantile(quantile, prompt: prompt))
            let bound = Double(calibrated.upperBound(quantile: 0.9, generated: g))
            let before = model.cdf(Double(g), prompt: prompt)
            let conditional = (model.cdf(bound, prompt: prompt) - before) / (1 - before)
            #expect(abs(conditional - 0.9) < 0.04, "after \(g) tokens: conditional coverage \(conditional)")
        }
    }

    @Test(arguments: [LengthCalibrator.Method.conformal, .quantileRecalibration])
    func aBoundIsNeverBelowTheTokensGenerated(method: LengthCalibrator.Method) {
        var model = ServedModel(scale: 0.3)
        var calibrator = LengthCalibrator(options: .init(method: method))
        Self.train(&calibrator, &model, count: 400)
        let calibrated = calibrator.calibrate(Self.base(prompt: 200))
        for g in stride(from: 0, through: 20_000, by: 7) {
            for q in [0.5, 0.9, 0.95, 1] {
                #expect(calibrated.upperBound(quantile: q, generated: g) > g, "g \(g), q \(q)")
            }
        }
    }

    @Test func startsFromTheBaseAndMovesTowardsTheEvidence() {
        var model = ServedModel(scale: 2.5)
        var calibrator = LengthCalibrator(options: .init(window: 256, priorWeight: 32))
        let base = Self.base(prompt: 200)
        let target = model.quantile(0.9, prompt: 200)
        #expect(calibrator.calibrate(base) == base)
        // A dozen answers: part way, the base still weighing about as much as the evidence.
        Self.train(&calibrator, &model, count: 12)
        let early = Double(calibrator.calibrate(base).upperBound(quantile: 0.9))
        #expect(early > Double(base.upperBound(quantile: 0.9)) && early < target * 1.25)
        // A full window: the evidence alone.
        Self.train(&calibrator, &model, count: 244)
        let settled = Double(calibrator.calibrate(base).upperBound(quantile: 0.9))
        #expect(abs(settled / target - 1) < 0.1, "bound \(settled), true quantile \(target)")
    }

    @Test func theWindowIsBoundedAndForgets() {
        var calibrator = LengthCalibrator(options: .init(window: 64))
        let base = Self.base(prompt: 100)
        for _ in 0..<500 { calibrator.record(truth: 1000, base: base) }
        #expect(calibrator.count == 64)
        for _ in 0..<64 { calibrator.record(truth: 20, base: base) }
        #expect(calibrator.count == 64)
        #expect(calibrator.calibrate(base).upperBound(quantile: 1) <= 21)
    }
}
