import JITServeCore
import Testing

@Suite struct LengthDistributionTests {
    @Test func upperBoundIsTheNearestRankQuantile() {
        let d = LengthDistribution(samples: Array(1...100).shuffled())
        #expect(d.upperBound(quantile: 0.95) == 95)
        #expect(d.upperBound(quantile: 0.5) == 50)
        #expect(d.upperBound(quantile: 1) == 100)
    }

    @Test func refinementConditionsOnLongerThanGenerated() {
        let d = LengthDistribution(samples: [10, 20, 30, 40, 1000])
        // Given > 25 tokens: survivors 30, 40, 1000.
        #expect(d.upperBound(quantile: 0.5, generated: 25) == 40)
    }

    @Test(arguments: [0, 1, 7, 50, 99, 100, 101, 5000])
    func refinedBoundNeverFallsBelowWhatWasGenerated(generated: Int) {
        let d = LengthDistribution(samples: [3, 5, 8, 13, 21, 34, 55, 89, 100])
        for q in [0.1, 0.5, 0.9, 0.95, 1.0] {
            #expect(d.upperBound(quantile: q, generated: generated) > generated)
        }
    }

    @Test func probabilityOfEndingWithinALengthConditionsOnWhatWasGenerated() {
        let d = LengthDistribution(samples: [40, 10, 30, 20])
        #expect(d.probability(atMost: 20) == 0.5)
        #expect(d.probability(atMost: 9) == 0)
        #expect(d.probability(atMost: 40) == 1)
        // Longer than 10 leaves 20, 30, 40: one of three ends by 25.
        #expect(abs(d.probability(atMost: 25, generated: 10) - 1.0 / 3) < 1e-12)
        // Nothing ends at or before what was already produced.
        #expect(d.probability(atMost: 30, generated: 30) == 0)
        // Outlived every sample: the tail rule puts the end at twice what was produced.
        #expect(d.probability(atMost: 99, generated: 50) == 0)
        #expect(d.probability(atMost: 100, generated: 50) == 1)
        let weighted = LengthDistribution(samples: [10, 100], weights: [3, 1])
        #expect(weighted.probability(atMost: 50) == 0.75)
    }

    @Test func weightedQuantileFollowsTheWeights() {
        let d = LengthDistribution(samples: [10, 100], weights: [9, 1])
        #expect(d.upperBound(quantile: 0.5) == 10)
        #expect(d.upperBound(quantile: 0.95) == 100)
    }

    @Test func latencySummaryInterpolatesLikeNumpy() {
        let s = LatencySummary([1, 2, 3, 4])
        #expect(s.p50 == 2.5)
        #expect(abs(s.p90 - 3.7) < 1e-12)
        #expect(s.mean == 2.5 && s.max == 4)
    }

    /// A queued request (nothing generated) is answered from values found when the
    /// distribution is built: they must match what the samples say, counted by brute force.
    @Test func answersForNothingGeneratedMatchTheSamples() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let n = Int.random(in: 1...60, using: &rng)
            let samples = (0..<n).map { _ in Int.random(in: 1...500, using: &rng) }
            let weights = Bool.random(using: &rng) ? (0..<n).map { _ in Double.random(in: 0.1...2, using: &rng) } : nil
            let d = LengthDistribution(samples: samples, weights: weights)
            let w = weights ?? Array(repeating: 1, count: n)
            let total = w.reduce(0, +)
            func mass(atMost length: Int) -> Double { zip(samples, w).filter { $0.0 <= length }.map(\.1).reduce(0, +) }
            // The bound: the shortest sample whose cumulative weight reaches 95 %.
            let bound = samples.sorted().first { mass(atMost: $0) >= 0.95 * total - 1e-9 * total }!
            #expect(d.upperBound(quantile: 0.95) == bound, "samples \(samples), weights \(String(describing: weights))")
            let mean = zip(samples, w).map { Double($0.0) * $0.1 }.reduce(0, +) / total
            #expect(abs(d.expectedLength() - mean) < 1e-9 * mean)
            for length in [0, 1, samples.min()! - 1, samples.min()!, 250, samples.max()! - 1, samples.max()!, 1000] {
                let expected = length < 1 ? 0 : mass(atMost: length) / total
                #expect(abs(d.probability(atMost: length) - expected) < 1e-9, "length \(length) of \(samples)")
            }
            // Conditioned on more than g generated: the same counts over the samples above g.
            for g in [samples.min()!, samples.sorted()[n / 2], samples.max()! - 1] where g >= 1 && g < samples.max()! {
                let above = zip(samples, w).filter { $0.0 > g }
                let left = above.map(\.1).reduce(0, +)
                guard left > 0 else { continue }
                func massAbove(atMost length: Int) -> Double { above.filter { $0.0 <= length }.map(\.1).reduce(0, +) }
                let bound = above.map(\.0).sorted().first { massAbove(atMost: $0) >= 0.9 * left - 1e-9 * left }!
                #expect(d.upperBound(quantile: 0.9, generated: g) == bound, "g \(g) of \(samples)")
                let mean = above.map { Double($0.0) * $0.1 }.reduce(0, +) / left
                #expect(abs(d.expectedLength(generated: g) - mean) < 1e-9 * mean)
                for length in [g + 1, (g + samples.max()!) / 2, samples.max()!] {
                    #expect(abs(d.probability(atMost: length, generated: g) - massAbove(atMost: length) / left) < 1e-9)
                }
            }
        }
    }
}
