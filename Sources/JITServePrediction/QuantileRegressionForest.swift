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

        /// The leaf samples `features` reaches.
        @inlinable
        public func leaf(for features: [Float]) -> ArraySlice<UInt32> {
            var node = 0
            while feature[node] >= 0 {
                node = Int(features[Int(feature[node])] <= threshold[node] ? left[node] : right[node])
            }
            let start = Int(left[node])
            return leafValues[start..<(start + Int(right[node]))]
        }
    }

    /// Length of the feature vectors the forest was trained on.
    public let featureCount: Int
    public let trees: [Tree]

    public init(featureCount: Int, trees: [Tree]) {
        precondition(!trees.isEmpty, "a forest needs at least one tree")
        self.featureCount = featureCount
        self.trees = trees
    }

    /// The conditional distribution of the target at `features`: equal values merged, their
    /// weights summed, so the result is small and already sorted.
    public func distribution(for features: [Float]) -> LengthDistribution {
        precondition(features.count == featureCount, "expected \(featureCount) features, got \(features.count)")
        precondition(trees.count < 1 << 16, "tree index must fit in 16 bits")
        // Pack (value, tree) into one integer so a plain integer sort orders the samples; the
        // tree index recovers the sample's weight (1 / its leaf's size).
        var packed: [UInt64] = []
        packed.reserveCapacity(trees.count * 32)
        var treeWeights = [Double](repeating: 0, count: trees.count)
        let scale = 1.0 / Double(trees.count)
        for (t, tree) in trees.enumerated() {
            let leaf = tree.leaf(for: features)
            treeWeights[t] = scale / Double(leaf.count)
            for value in leaf { packed.append(UInt64(max(1, value)) << 16 | UInt64(t)) }
        }
        packed.sort()
        var samples: [Int] = []
        var weights: [Double] = []
        samples.reserveCapacity(packed.count)
        weights.reserveCapacity(packed.count)
        for key in packed {
            let value = Int(key >> 16)
            let weight = treeWeights[Int(key & 0xffff)]
            if samples.last == value {
                weights[weights.count - 1] += weight
            } else {
                samples.append(value)
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
