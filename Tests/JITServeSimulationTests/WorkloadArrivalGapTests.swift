import JITServeCore
import JITServeSimulation
import Testing

@Suite struct WorkloadArrivalGapTests {
    @Test func exponentialGapsHaveTheRatesMean() {
        var g = SplitMix64(seed: 3)
        let mean = (0..<40_000).map { _ in g.nextExponential(rate: 4) }.reduce(0, +) / 40_000
        #expect(abs(mean - 0.25) < 0.01)
    }
}
