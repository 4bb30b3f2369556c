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
}
