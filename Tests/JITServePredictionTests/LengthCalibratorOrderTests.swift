import Foundation
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
            let expected = calibrator.ringScores.sorted()
            #expect(calibrator.sortedScores == expected, "step \(step)")
            if calibrator.sortedScores != expected { return }
        }
        #expect(calibrator.count == 48)
    }
}

/// A refit's sort (`LengthCalibrator.sortAscending`) against the standard library's, on every
/// kind of disorder a refit can leave, and the calibrator against a from-scratch computation of
/// what it keeps, over long streams whose line jumps.
@Suite struct LengthCalibratorSortTests {
    /// `values` sorted by `sortAscending`, with the slots (initially their indices) it carried.
    static func sorted(_ values: [Double]) -> (scores: [Double], slots: [Int]) {
        var scores = values, slots = Array(values.indices)
        var scratchScores = [Double](repeating: .nan, count: values.count)
        var scratchSlots = [Int](repeating: -1, count: values.count)
        scores.withUnsafeMutableBufferPointer { scores in
            slots.withUnsafeMutableBufferPointer { slots in
                scratchScores.withUnsafeMutableBufferPointer { a in
                    scratchSlots.withUnsafeMutableBufferPointer { b in
                        LengthCalibrator.sortAscending(scores, carrying: slots, scratchScores: a, scratchSlots: b)
                    }
                }
            }
        }
        return (scores, slots)
    }

    enum Disorder: CaseIterable { case sorted, nearlySorted, scrambledBlocks, random, reversed, fewValues }

    static func values(_ disorder: Disorder, count: Int, rng: inout SplitMix64) -> [Double] {
        switch disorder {
        case .sorted: return (0..<count).map { Double($0) * 0.5 }
        case .nearlySorted: return (0..<count).map { Double($0) + 6 * rng.nextUnit() }
        case .scrambledBlocks: return (0..<count).map { Double($0 / 40) * 10 + 10 * rng.nextUnit() }
        case .random: return (0..<count).map { _ in rng.nextUnit() * 100 - 50 }
        case .reversed: return (0..<count).map { Double(count - $0) }
        case .fewValues: return (0..<count).map { _ in Double(rng.nextInt(below: 4)) }
        }
    }

    @Test(arguments: Disorder.allCases)
    func sortsLikeTheStandardLibraryAndKeepsEachScoresSlot(disorder: Disorder) {
        var rng = SplitMix64(seed: 3)
        // Around every run and merge width, and past the window.
        for count in [0, 1, 2, 15, 16, 17, 31, 33, 47, 64, 100, 127, 128, 129, 255, 256, 257, 600] {
            for _ in 0..<4 {
                let values = Self.values(disorder, count: count, rng: &rng)
                let (scores, slots) = Self.sorted(values)
                #expect(scores == values.sorted(), "\(disorder), \(count) values")
                #expect(slots.sorted() == Array(values.indices), "\(disorder), \(count): slots not a permutation")
                #expect(slots.map { values[$0] } == scores, "\(disorder), \(count): a slot left its score")
                // Stable: equal scores keep their slots' order.
                for k in slots.indices.dropFirst() where scores[k] == scores[k - 1] {
                    #expect(slots[k] > slots[k - 1], "\(disorder), \(count): equal scores reordered at \(k)")
                }
            }
        }
    }

    /// The calibrator's window as the documentation defines it, computed from scratch at every
    /// step: the last `window` observations, the line fitted over all of them at each refit,
    /// each score its y less the line of the last refit at or after its arrival, all sorted
    /// afresh. Sums run in the order the calibrator adds them (arrival number modulo the
    /// window), so that the two agree to the bit.
    struct Reference {
        let window: Int
        var points: [(x: Double, y: Double, score: Double, arrival: Int)] = []
        var intercept = 0.0, slope = 1.0
        var sinceRefit = 0, arrivals = 0

        mutating func record(x: Double, y: Double) {
            points.append((x, y, y - (intercept + slope * x), arrivals))
            arrivals += 1
            if points.count > window { points.removeFirst() }
            sinceRefit += 1
            guard points.count < 4 * LengthCalibrator.refitEvery || sinceRefit >= LengthCalibrator.refitEvery else { return }
            sinceRefit = 0
            let n = Double(points.count)
            let inSumOrder = points.sorted { $0.arrival % window < $1.arrival % window }
            let mx = inSumOrder.reduce(0) { $0 + $1.x } / n, my = inSumOrder.reduce(0) { $0 + $1.y } / n
            var sxx = 0.0, sxy = 0.0
            for p in inSumOrder { sxx += (p.x - mx) * (p.x - mx); sxy += (p.x - mx) * (p.y - my) }
            let prior = LengthCalibrator.slopePrior
            slope = n >= prior && sxx > 1e-9 * n ? min(max((sxy + prior * sxx / n) / (sxx + prior * sxx / n), 0), 2) : 1
            intercept = my - slope * mx
            for i in points.indices { points[i].score = points[i].y - (intercept + slope * points[i].x) }
        }
    }

    @Test(arguments: [256, 37, 64])
    func windowMatchesAFromScratchComputationOverALongStream(window: Int) {
        var calibrator = LengthCalibrator(options: .init(method: .conformal, window: window))
        var reference = Reference(window: window)
        var rng = SplitMix64(seed: UInt64(window))
        // Regimes whose line differs (slope 1, 0.2, 1.8, -1 clamped to 0, then back), so that
        // some refits barely move the order and some scramble it; truths rounded to a few
        // values in one regime so that equal scores are evicted.
        let regimes: [(slope: Double, scale: Double, coarse: Bool)] = [(1, 1, false), (0.2, 3, false), (1.8, 0.5, true), (-1, 1, false), (1, 2, true)]
        for step in 0..<20_000 {
            let regime = regimes[(step / 1_500) % regimes.count]
            let anchor = 8 + Int(rng.nextUnit() * 800)
            let noise = exp(0.8 * (rng.nextUnit() - 0.5) * 2)
            var truth = regime.scale * pow(Double(anchor), regime.slope) * noise * (regime.slope < 0 ? 5e3 : 1)
            if regime.coarse { truth = [10.0, 100, 1000][rng.nextInt(below: 3)] }
            let base = LengthDistribution(samples: [anchor / 2, anchor, anchor, anchor, anchor * 2].map { max(1, $0) })
            calibrator.record(truth: LengthCalibrator.length(truth), base: base)
            let x = log(Double(base.upperBound(quantile: calibrator.options.anchorQuantile)))
            reference.record(x: x, y: log(Double(max(1, LengthCalibrator.length(truth)))))
            let expected = reference.points.map(\.score).sorted()
            let ringScores = calibrator.ringScores
            let agrees = calibrator.sortedScores == expected && calibrator.slope == reference.slope
                && calibrator.intercept == reference.intercept
                && calibrator.sortedSlots.map { ringScores[$0] } == calibrator.sortedScores
            #expect(agrees, "step \(step): window \(calibrator.count) vs \(expected.count), slope \(calibrator.slope) vs \(reference.slope)")
            if !agrees { return }
        }
    }
}
