import Foundation
import JITServeCore

extension QuantileRegressionForest {
    /// Hyper-parameters of forest growth.
    public struct TrainingConfiguration: Sendable, Equatable {
        public var treeCount: Int
        /// A node with fewer than twice this many samples becomes a leaf; leaves keep at least
        /// this many targets, which is what makes their quantiles meaningful.
        public var minimumLeafSize: Int
        public var maximumDepth: Int
        /// Share of features tried at each split.
        public var featureFraction: Double
        /// Share of rows each tree is grown on (drawn without replacement).
        public var sampleFraction: Double
        /// Candidate thresholds per feature (quantile bins of its training values), ≤ 256.
        public var binCount: Int
        /// Honest trees: grow each tree's splits on its subsample and fill its leaves with rows it
        /// did not split on (the rest of the table, up to as many again). Splits chosen on the
        /// same targets they later report are biased: on log targets they wall off small
        /// lengths into narrow leaves, which pushes every other leaf's quantiles up.
        public var honest: Bool
        public var seed: UInt64

        public init(
            treeCount: Int = 48, minimumLeafSize: Int = 16, maximumDepth: Int = 20,
            featureFraction: Double = 0.33, sampleFraction: Double = 0.5, binCount: Int = 32, honest: Bool = true,
            seed: UInt64 = 42
        ) {
            self.treeCount = treeCount
            self.minimumLeafSize = minimumLeafSize
            self.maximumDepth = maximumDepth
            self.featureFraction = featureFraction
            self.sampleFraction = sampleFraction
            self.binCount = binCount
            self.honest = honest
            self.seed = seed
        }

        func validate() throws {
            func check(_ ok: Bool, _ name: String, _ reason: String) throws {
                if !ok { throw PredictionError.invalidParameter(name: name, reason: reason) }
            }
            try check(treeCount >= 1, "treeCount", "must be ≥ 1")
            try check(minimumLeafSize >= 1, "minimumLeafSize", "must be ≥ 1")
            try check(maximumDepth >= 0, "maximumDepth", "must be ≥ 0")
            try check(featureFraction > 0 && featureFraction <= 1, "featureFraction", "must be in (0, 1]")
            try check(sampleFraction > 0 && sampleFraction <= 1, "sampleFraction", "must be in (0, 1]")
            try check(binCount >= 2 && binCount <= 256, "binCount", "must be in 2…256")
        }
    }

    /// Grows a forest on `features` (one row per example, all of one length) and positive
    /// integer `targets`. Splits minimise the squared error of log(target): output lengths are
    /// heavy-tailed, and a split should separate "short" from "long" by ratio, not by a few
    /// outliers' absolute size. Leaves keep the raw targets.
    public static func train(
        features: [[Float]], targets: [Int], configuration: TrainingConfiguration = .init()
    ) throws -> QuantileRegressionForest {
        try configuration.validate()
        guard !features.isEmpty, features.count == targets.count else {
            throw PredictionError.invalidParameter(name: "features", reason: "need one target per row and at least one row")
        }
        let p = features[0].count
        guard p > 0, features.allSatisfy({ $0.count == p }) else {
            throw PredictionError.invalidParameter(name: "features", reason: "every row must have the same positive length")
        }
        guard targets.allSatisfy({ $0 >= 1 && $0 <= Int(UInt32.max) }) else {
            throw PredictionError.invalidParameter(name: "targets", reason: "every target must be a positive length")
        }
        let table = BinnedTable(features: features, binCount: configuration.binCount)
        let logTargets = targets.map { log(Double($0)) }
        var trees: [Tree] = []
        trees.reserveCapacity(configuration.treeCount)
        for t in 0..<configuration.treeCount {
            var rng = SplitMix64(seed: configuration.seed &+ UInt64(t) &* 0x9e37_79b9)
            trees.append(growTree(table: table, targets: targets, logTargets: logTargets,
                                  configuration: configuration, rng: &rng))
        }
        return QuantileRegressionForest(featureCount: p, trees: trees)
    }

    private static func growTree(
        table: BinnedTable, targets: [Int], logTargets: [Double],
        configuration: TrainingConfiguration, rng: inout SplitMix64
    ) -> Tree {
        let n = table.rowCount, p = table.featureCount
        // Rows of this tree: a random subsample without replacement (partial Fisher–Yates).
        var rows = Array(0..<Int32(n))
        let sampleCount = max(1, Int((Double(n) * configuration.sampleFraction).rounded()))
        for k in 0..<sampleCount {
            let j = k + Int(rng.next() % UInt64(n - k))
            rows.swapAt(k, j)
        }
        let estimationRows = configuration.honest ? Array(rows[sampleCount..<min(n, 2 * sampleCount)]) : []
        rows.removeLast(n - sampleCount)
        let tryCount = max(1, Int((Double(p) * configuration.featureFraction).rounded()))
        let minLeaf = configuration.minimumLeafSize
        var featureOrder = Array(0..<p)
        var counts = [Int](repeating: 0, count: 256)
        var sums = [Double](repeating: 0, count: 256)

        var tree = Tree(feature: [-1], threshold: [0], left: [0], right: [0], leafValues: [])
        var splitBins: [Int] = [0]
        var structureRows: [Int: ArraySlice<Int32>] = [:]
        var stack: [(node: Int, lo: Int, hi: Int, depth: Int)] = [(0, 0, rows.count, 0)]
        while let (node, lo, hi, depth) = stack.popLast() {
            let size = hi - lo
            var bestFeature = -1, bestBin = 0
            if size >= 2 * minLeaf && depth < configuration.maximumDepth {
                var total = 0.0
                for k in lo..<hi { total += logTargets[Int(rows[k])] }
                var bestScore = total * total / Double(size) + 1e-9
                // Try `tryCount` random features; if none of them can split this node (constant
                // here), keep drawing until one can or all were tried, as random forests do.
                for k in 0..<p {
                    if k >= tryCount && bestFeature >= 0 { break }
                    let j = k + Int(rng.next() % UInt64(p - k))
                    featureOrder.swapAt(k, j)
                    let f = featureOrder[k]
                    let binCount = table.edges[f].count
                    if binCount < 2 { continue }
                    for b in 0..<binCount { counts[b] = 0; sums[b] = 0 }
                    let base = f * n
                    for r in lo..<hi {
                        let i = Int(rows[r])
                        let b = Int(table.bins[base + i])
                        counts[b] += 1
                        sums[b] += logTargets[i]
                    }
                    var leftCount = 0, leftSum = 0.0
                    for b in 0..<(binCount - 1) {
                        leftCount += counts[b]
                        leftSum += sums[b]
                        if leftCount < minLeaf { continue }
                        let rightCount = size - leftCount
                        if rightCount < minLeaf { break }
                        let rightSum = total - leftSum
                        let score = leftSum * leftSum / Double(leftCount) + rightSum * rightSum / Double(rightCount)
                        if score > bestScore { bestScore = score; bestFeature = f; bestBin = b }
                    }
                }
            }
            if bestFeature < 0 {
                tree.feature[node] = -1
                structureRows[node] = rows[lo..<hi]
                continue
            }
            // Partition rows[lo..<hi]: bin ≤ bestBin first.
            let base = bestFeature * n
            var mid = lo
            for r in lo..<hi where Int(table.bins[base + Int(rows[r])]) <= bestBin {
                rows.swapAt(r, mid)
                mid += 1
            }
            let leftNode = tree.feature.count, rightNode = leftNode + 1
            for _ in 0..<2 {
                tree.feature.append(-1); tree.threshold.append(0); tree.left.append(0); tree.right.append(0)
                splitBins.append(0)
            }
            splitBins[node] = bestBin
            tree.feature[node] = Int32(bestFeature)
            tree.threshold[node] = table.edges[bestFeature][bestBin]
            tree.left[node] = Int32(leftNode)
            tree.right[node] = Int32(rightNode)
            stack.append((rightNode, mid, hi, depth + 1))
            stack.append((leftNode, lo, mid, depth + 1))
        }
        // Route the estimation rows (bins decide exactly as thresholds do on raw values).
        var estimation: [Int: [Int32]] = [:]
        for row in estimationRows {
            var node = 0
            while tree.feature[node] >= 0 {
                let bin = Int(table.bins[Int(tree.feature[node]) * n + Int(row)])
                node = Int(bin <= splitBins[node] ? tree.left[node] : tree.right[node])
            }
            estimation[node, default: []].append(row)
        }
        for node in 0..<tree.nodeCount where tree.feature[node] < 0 {
            // A leaf no estimation row reached keeps its own rows rather than going empty.
            let members = estimation[node].map { ArraySlice($0) } ?? structureRows[node]!
            tree.left[node] = Int32(tree.leafValues.count)
            tree.right[node] = Int32(members.count)
            for row in members { tree.leafValues.append(UInt32(targets[Int(row)])) }
        }
        return tree
    }
}

/// Features quantised to at most `binCount` bins each, column-major, so that a split search
/// is one pass over a node's rows per feature (a histogram) instead of a sort.
struct BinnedTable {
    let rowCount: Int
    let featureCount: Int
    /// Per feature, ascending upper edges: a value belongs to the first bin whose edge ≥ it.
    let edges: [[Float]]
    /// `bins[f * rowCount + i]` is row i's bin of feature f.
    let bins: [UInt8]

    init(features: [[Float]], binCount: Int) {
        rowCount = features.count
        featureCount = features[0].count
        var edges: [[Float]] = []
        var bins = [UInt8](repeating: 0, count: rowCount * featureCount)
        for f in 0..<featureCount {
            let column = features.map { $0[f] }
            let sorted = column.sorted()
            var unique: [Float] = []
            for v in sorted where unique.last != v { unique.append(v) }
            var featureEdges: [Float]
            if unique.count <= binCount {
                featureEdges = unique
            } else {
                featureEdges = []
                for k in 1..<binCount {
                    let v = sorted[min(sorted.count - 1, k * sorted.count / binCount - 1)]
                    if featureEdges.last != v { featureEdges.append(v) }
                }
                if featureEdges.last != unique.last { featureEdges.append(unique.last!) }
            }
            for i in 0..<rowCount {
                let x = column[i]
                var lo = 0, hi = featureEdges.count - 1
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if featureEdges[mid] >= x { hi = mid } else { lo = mid + 1 }
                }
                bins[f * rowCount + i] = UInt8(lo)
            }
            edges.append(featureEdges)
        }
        self.edges = edges
        self.bins = bins
    }
}
