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
        #expect(d.probability(atMost: 40) == 1)
        // Between samples the CDF rises linearly: from 0 at nothing generated to ¼ at 10.
        #expect(abs(d.probability(atMost: 9) - 0.9 / 4) < 1e-12)
        // Longer than 10 leaves 20, 30, 40: one of three ends by 20, half the next by 25.
        #expect(abs(d.probability(atMost: 25, generated: 10) - 1.5 / 3) < 1e-12)
        // From what was generated (where it is 0) to the first sample above it.
        #expect(abs(d.probability(atMost: 15, generated: 10) - 0.5 / 3) < 1e-12)
        // Nothing ends at or before what was already produced.
        #expect(d.probability(atMost: 30, generated: 30) == 0)
        // Outlived every sample: the tail rule spreads the end evenly up to twice what was produced.
        #expect(abs(d.probability(atMost: 75, generated: 50) - 0.5) < 1e-12)
        #expect(abs(d.probability(atMost: 99, generated: 50) - 0.98) < 1e-12)
        #expect(d.probability(atMost: 100, generated: 50) == 1)
        let weighted = LengthDistribution(samples: [10, 100], weights: [3, 1])
        #expect(abs(weighted.probability(atMost: 55) - (0.75 + 0.5 * 0.25)) < 1e-12)
        // Tied samples: the gap covers the whole mass of the next length, not one sample's.
        let tied = LengthDistribution(samples: [10, 20, 20, 20])
        #expect(abs(tied.probability(atMost: 15) - (0.25 + 0.5 * 0.75)) < 1e-12)
    }

    /// What an oracle knows is a step: no chance of ending before the known length.
    @Test func anExactLengthIsNotSpread() {
        let d = LengthDistribution.exactly(40)
        #expect(d.probability(atMost: 39) == 0)
        #expect(d.probability(atMost: 39, generated: 10) == 0)
        #expect(d.probability(atMost: 40, generated: 10) == 1)
        // Outlived (a max_tokens "length" the request ran past cannot happen, but the rule holds).
        #expect(d.probability(atMost: 99, generated: 50) == 0)
        #expect(d.probability(atMost: 100, generated: 50) == 1)
        #expect(d.isExact && !LengthDistribution(samples: [40]).isExact)
        #expect(d != LengthDistribution(samples: [40]))
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
            // The CDF through (0, 0) and each sample's (length, mass at or below it), linear between.
            func spread(_ points: [(Int, Double)], atMost length: Int, from start: Int) -> Double {
                let lengths = Set(points.map(\.0)).sorted()
                guard let next = lengths.first(where: { $0 > length }) else { return points.map(\.1).reduce(0, +) }
                let lower = lengths.last { $0 <= length } ?? start
                let within = points.filter { $0.0 <= length }.map(\.1).reduce(0, +)
                let nextMass = points.filter { $0.0 == next }.map(\.1).reduce(0, +)
                return within + Double(length - lower) / Double(next - lower) * nextMass
            }
            let points = Array(zip(samples, w))
            for length in [0, 1, samples.min()! - 1, samples.min()!, 250, samples.max()! - 1, samples.max()!, 1000] {
                let expected = length < 1 ? 0 : spread(points, atMost: length, from: 0) / total
                #expect(abs(d.probability(atMost: length) - expected) < 1e-9, "length \(length) of \(samples)")
                let step = length < 1 ? 0 : mass(atMost: length) / total
                #expect(d.probability(atMost: length) >= step - 1e-9)  // never below the step
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
                    let expected = spread(Array(above), atMost: length, from: g) / left
                    #expect(abs(d.probability(atMost: length, generated: g) - expected) < 1e-9)
                    #expect(d.probability(atMost: length, generated: g) >= massAbove(atMost: length) / left - 1e-9)
                }
            }
        }
    }
}
