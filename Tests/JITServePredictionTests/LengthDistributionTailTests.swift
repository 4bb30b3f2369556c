import JITServeCore
import JITServePrediction
import Testing

@Suite struct LengthDistributionTailTests {
    @Test func ascendingInitMatchesSortingInit() {
        let sorted = LengthDistribution(samples: [5, 1, 3], weights: [0.2, 0.5, 0.3])
        let direct = LengthDistribution(ascendingSamples: [1, 3, 5], weights: [0.5, 0.3, 0.2])
        #expect(sorted == direct)
        for q in [0.1, 0.5, 0.6, 0.9, 1.0] {
            #expect(sorted.upperBound(quantile: q) == direct.upperBound(quantile: q))
        }
    }

    @Test func weightedQuantileFollowsWeights() {
        // 90% of the mass on 10, 10% on 1000.
        let distribution = LengthDistribution(ascendingSamples: [10, 1000], weights: [0.9, 0.1])
        #expect(distribution.upperBound(quantile: 0.5) == 10)
        #expect(distribution.upperBound(quantile: 0.95) == 1000)
        #expect(distribution.upperBound(quantile: 0.5, generated: 10) == 1000)
    }

    @Test func cappedMovesMassOntoTheLimit() {
        let distribution = LengthDistribution(samples: [10, 50, 500, 900])
        let capped = distribution.capped(at: 100)
        #expect(capped.samples == [10, 50, 100, 100])
        #expect(distribution.capped(at: 0) == distribution)
        #expect(distribution.capped(at: 1000) == distribution)
    }
}
