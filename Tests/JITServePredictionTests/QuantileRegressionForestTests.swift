import JITServeCore
import JITServePrediction
import Testing

@Suite struct QuantileRegressionForestTests {
    /// Two groups with known, well separated conditional distributions, plus a noise feature:
    /// y | group 0 ~ U{1…100}, y | group 1 ~ U{201…400}.
    static func syntheticTable(rows: Int, seed: UInt64) -> (features: [[Float]], targets: [Int]) {
        var rng = SplitMix64(seed: seed)
        var features: [[Float]] = []
        var targets: [Int] = []
        for _ in 0..<rows {
            let group = Int(rng.next() % 2)
            let noise = Float(rng.next() % 1000) / 1000
            features.append([Float(group), noise])
            targets.append(group == 0 ? 1 + Int(rng.next() % 100) : 201 + Int(rng.next() % 200))
        }
        return (features, targets)
    }

    @Test func recoversKnownConditionalQuantiles() throws {
        let (features, targets) = Self.syntheticTable(rows: 4000, seed: 1)
        let forest = try QuantileRegressionForest.train(
            features: features, targets: targets,
            configuration: .init(treeCount: 60, minimumLeafSize: 40, featureFraction: 1))
        // The forest may localise on the noise feature, so average the bound over its range:
        // true quantiles are group 0 → 50 (median), 90 (q 0.9); group 1 → 300, 380.
        func meanBound(group: Float, quantile: Double) -> Double {
            let noises: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
            return noises.reduce(0) { $0 + Double(forest.distribution(for: [group, $1]).upperBound(quantile: quantile)) }
                / Double(noises.count)
        }
        #expect(abs(meanBound(group: 0, quantile: 0.5) - 50) <= 6)
        #expect(abs(meanBound(group: 0, quantile: 0.9) - 90) <= 6)
        #expect(abs(meanBound(group: 1, quantile: 0.5) - 300) <= 12)
        #expect(abs(meanBound(group: 1, quantile: 0.9) - 380) <= 12)
        let high = forest.distribution(for: [1, 0.5])
        // Refined past group 0's range, a group-1 query still bounds inside its own range.
        #expect(high.upperBound(quantile: 0.5, generated: 300) > 300)
        #expect(high.upperBound(quantile: 0.5, generated: 300) <= 400)
    }

    @Test func continuousFeatureOrdersBounds() throws {
        // y ≈ 10·x with multiplicative spread: bounds must grow with x.
        var rng = SplitMix64(seed: 2)
        var features: [[Float]] = [], targets: [Int] = []
        for _ in 0..<3000 {
            let x = 1 + Double(rng.next() % 100)
            features.append([Float(x)])
            targets.append(Int(10 * x * (0.5 + Double(rng.next() % 1000) / 1000)))
        }
        let forest = try QuantileRegressionForest.train(
            features: features, targets: targets, configuration: .init(treeCount: 10, minimumLeafSize: 30, featureFraction: 1))
        let bounds = [10, 40, 70, 95].map { forest.distribution(for: [Float($0)]).upperBound(quantile: 0.9) }
        #expect(bounds == bounds.sorted())
        // At x = 40 the true 0.9-quantile is 10·40·1.4 = 560.
        #expect(abs(bounds[1] - 560) <= 80)
    }

    @Test func trainingIsDeterministic() throws {
        let (features, targets) = Self.syntheticTable(rows: 500, seed: 3)
        let configuration = QuantileRegressionForest.TrainingConfiguration(treeCount: 4, minimumLeafSize: 10)
        let a = try QuantileRegressionForest.train(features: features, targets: targets, configuration: configuration)
        let b = try QuantileRegressionForest.train(features: features, targets: targets, configuration: configuration)
        #expect(a == b)
    }

    @Test func rejectsBadInput() {
        #expect(throws: PredictionError.self) {
            try QuantileRegressionForest.train(features: [[1], [2]], targets: [1, 0])
        }
        #expect(throws: PredictionError.self) {
            try QuantileRegressionForest.train(features: [[1], [2, 3]], targets: [1, 2])
        }
        #expect(throws: PredictionError.self) {
            try QuantileRegressionForest.train(features: [[1]], targets: [1], configuration: .init(treeCount: 0))
        }
    }

    @Test func refinedBoundNeverFallsBelowGenerated() throws {
        let (features, targets) = Self.syntheticTable(rows: 1000, seed: 4)
        let forest = try QuantileRegressionForest.train(
            features: features, targets: targets, configuration: .init(treeCount: 8, minimumLeafSize: 10))
        for group in [Float(0), 1] {
            let distribution = forest.distribution(for: [group, 0.3])
            for g in [0, 1, 16, 64, 99, 100, 150, 256, 399, 400, 1000, 5000] {
                for q in [0.05, 0.5, 0.9, 0.95, 1.0] {
                    #expect(distribution.upperBound(quantile: q, generated: g) > g)
                }
            }
        }
    }

    /// A query's distribution is the union of the leaves it reaches, each sample weighted by
    /// 1 / (leaf size · trees), equal values merged: checked against that definition summed by
    /// hand, on trees whose leaves repeat values within a leaf and across trees, unsorted.
    @Test func distributionMatchesTheLeafUnionByHand() {
        // Tree 0: x0 ≤ 0.5 → leaf [7, 3, 7]; else → leaf [40]. Tree 1: one leaf [3, 12, 3, 40, 5].
        let split = QuantileRegressionForest.Tree(
            feature: [0, -1, -1], threshold: [0.5, 0, 0], left: [1, 0, 3], right: [2, 3, 1], leafValues: [7, 3, 7, 40])
        let stump = QuantileRegressionForest.Tree(
            feature: [-1], threshold: [0], left: [0], right: [5], leafValues: [3, 12, 3, 40, 5])
        let forest = QuantileRegressionForest(featureCount: 1, trees: [split, stump])
        for (x, leaves) in [(Float(0), [[7, 3, 7], [3, 12, 3, 40, 5]]), (Float(1), [[40], [3, 12, 3, 40, 5]])] {
            var expected: [Int: Double] = [:]
            for leaf in leaves {
                for v in leaf { expected[v, default: 0] += 1 / (Double(leaf.count) * 2) }
            }
            let distribution = forest.distribution(for: [x])
            #expect(distribution.samples == expected.keys.sorted())
            for v in expected.keys {
                let atMost = expected.filter { $0.key <= v }.values.reduce(0, +)
                #expect(abs(distribution.probability(atMost: v) - atMost) < 1e-12)
            }
        }
    }
}
