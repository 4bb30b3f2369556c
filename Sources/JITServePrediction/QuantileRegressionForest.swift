import JITServeCore

/// A quantile regression forest (Meinshausen 2006): a random forest whose leaves keep the training
/// targets that fell into them, so a prediction is a whole conditional distribution rather than a
/// mean. A query's distribution is the union of the leaf samples it reaches across trees, each
/// sample weighted by 1 / (its leaf's size · tree count) — the forest's estimate of P(Y | x).
public struct QuantileRegressionForest: Sendable, Equatable {
    /// One tree in flat arrays (cache-friendly and trivially serialisable).
    ///
    /// For an internal node, `feature[i] ≥ 0`, a query goes to `left[i]` when
    /// `x[feature] ≤ threshold[i]`, else to `right[i]`. For a leaf, `feature[i] == -1` and its
    /// samples are `leafValues[left[i] ..< left[i] + right[i]]`.
    public struct Tree: Sendable, Equatable {
        public var feature: [Int32]
        public var threshold: [Float]
        public var left: [Int32]
        public var right: [Int32]
        public var leafValues: [UInt32]

        public init(feature: [Int32], threshold: [Float], left: [Int32], right: [Int32], leafValues: [UInt32]) {
            self.feature = feature
            self.threshold = threshold
            self.left = left
            self.right = right
            self.leafValues = leafValues
        }

        public var nodeCount: Int { feature.count }
        public var leafCount: Int { feature.reduce(0) { $0 + ($1 < 0 ? 1 : 0) } }

        /// Where in `leafValues` the samples of the leaf `features` reaches lie.
        @inlinable
        public func leafRange(for features: [Float]) -> Range<Int> {
            var node = 0
            while feature[node] >= 0 {
                node = Int(features[Int(feature[node])] <= threshold[node] ? left[node] : right[node])
            }
            let start = Int(left[node])
            return start..<(start + Int(right[node]))
        }
    }

    /// Length of the feature vectors the forest was trained on.
    public let featureCount: Int
    public let trees: [Tree]

    /// Every distinct leaf sample, ascending, and each tree's leaf samples as indices into it
    /// (parallel to its `leafValues`): a query sums weights per index in a dense array and
    /// reads them out in order, where sorting the samples it reaches cost most of a query.
    let sampleValues: [Int]
    let sampleRanks: [[UInt32]]

    public init(featureCount: Int, trees: [Tree]) {
        precondition(!trees.isEmpty, "a forest needs at least one tree")
        self.featureCount = featureCount
        self.trees = trees
        var values = Set<UInt32>()
        for tree in trees { values.formUnion(tree.leafValues) }
        let ascending = values.sorted()
        var rank: [UInt32: UInt32] = [:]
        rank.reserveCapacity(ascending.count)
        for (k, v) in ascending.enumerated() { rank[v] = UInt32(k) }
        sampleValues = ascending.map { Int(max(1, $0)) }
        sampleRanks = trees.map { tree in tree.leafValues.map { rank[$0]! } }
    }

    public static func == (a: Self, b: Self) -> Bool { a.featureCount == b.featureCount && a.trees == b.trees }

    /// The conditional distribution of the target at `features`: equal values merged, their
    /// weights summed, so the result is small and already sorted.
    public func distribution(for features: [Float]) -> LengthDistribution {
        precondition(features.count == featureCount, "expected \(featureCount) features, got \(features.count)")
        // Weights summed per distinct sample value, tree by tree in order (the same sums, in
        // the same order, as merging the samples sorted by value and then tree).
        var summed = [Double](repeating: 0, count: sampleValues.count)
        let scale = 1.0 / Double(trees.count)
        for (t, tree) in trees.enumerated() {
            let range = tree.leafRange(for: features)
            let weight = scale / Double(range.count)
            sampleRanks[t].withUnsafeBufferPointer { ranks in
                for i in range { summed[Int(ranks[i])] += weight }
            }
        }
        var samples: [Int] = []
        var weights: [Double] = []
        for (k, weight) in summed.enumerated() where weight > 0 {
            // Values below 1 count as 1 (a length): merge them into one sample as before.
            if samples.last == sampleValues[k] {
                weights[weights.count - 1] += weight
            } else {
                samples.append(sampleValues[k])
                weights.append(weight)
            }
        }
        return LengthDistribution(ascendingSamples: samples, weights: weights)
    }

    /// How many times each feature is split on, across trees (a cheap importance measure).
    public func splitCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: featureCount)
        for tree in trees {
            for f in tree.feature where f >= 0 { counts[Int(f)] += 1 }
        }
        return counts
    }
}
