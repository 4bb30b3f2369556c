/// A bounded store of workflow patterns, clustered online with k-medoids per application, so
/// that a lookup compares against a few medoids first and then only their clusters' members.
///
/// Eviction: when an insert takes the store past `capacity`, the least reused pattern goes
/// (ties: the oldest). A pattern is *reused* when it is the closest stored match of a newly
/// finished workflow — i.e. when it would have been the one to predict that workflow — or when a
/// near-duplicate arrives and is folded into it instead of being stored again.
public struct WorkflowPatternStore: Sendable {
    /// One stored pattern.
    public struct Entry: Sendable, Hashable {
        public let id: Int
        public let application: String
        public var pattern: WorkflowPattern
        public var reuseCount: Int
    }

    struct Cluster: Sendable {
        var application: String
        var medoid: Int
        var members: [Int]
    }

    public let capacity: Int
    /// Most clusters per application (the k of k-medoids).
    public let clustersPerApplication: Int
    /// A new pattern at least this similar to its nearest medoid joins that cluster; otherwise
    /// it starts a new cluster while there is room for one.
    public let joinSimilarity: Double
    /// A new pattern at least this similar to a stored one is folded into it (reuse + 1).
    public let duplicateSimilarity: Double

    private(set) var entries: [Int: Entry] = [:]
    private(set) var clusters: [Cluster] = []
    private var nextID = 0

    public init(capacity: Int, clustersPerApplication: Int = 8, joinSimilarity: Double = 0.5, duplicateSimilarity: Double = 0.98) {
        precondition(capacity >= 1 && clustersPerApplication >= 1, "a store needs room for a pattern and a cluster")
        self.capacity = capacity
        self.clustersPerApplication = clustersPerApplication
        self.joinSimilarity = joinSimilarity
        self.duplicateSimilarity = duplicateSimilarity
    }

    public var count: Int { entries.count }
    public var clusterCount: Int { clusters.count }
    public var allEntries: [Entry] { entries.values.sorted { $0.id < $1.id } }

    /// Adds a finished workflow's pattern.
    public mutating func insert(_ pattern: WorkflowPattern, application: String) {
        let own = clusters.indices.filter { clusters[$0].application == application }
        // Nearest medoid, then the nearest member of that cluster.
        let nearestCluster = own.max { a, b in
            WorkflowPattern.similarity(pattern, entries[clusters[a].medoid]!.pattern)
                < WorkflowPattern.similarity(pattern, entries[clusters[b].medoid]!.pattern)
        }
        if let c = nearestCluster {
            let medoidSimilarity = WorkflowPattern.similarity(pattern, entries[clusters[c].medoid]!.pattern)
            var best = clusters[c].medoid, bestSimilarity = medoidSimilarity
            for member in clusters[c].members {
                let s = WorkflowPattern.similarity(pattern, entries[member]!.pattern)
                if s > bestSimilarity { best = member; bestSimilarity = s }
            }
            entries[best]!.reuseCount += 1
            if bestSimilarity >= duplicateSimilarity { return }
            if medoidSimilarity >= joinSimilarity || own.count >= clustersPerApplication {
                let id = add(pattern, application: application)
                clusters[c].members.append(id)
                updateMedoid(of: c)
                evictIfNeeded(keeping: id)
                return
            }
        }
        let id = add(pattern, application: application)
        clusters.append(Cluster(application: application, medoid: id, members: [id]))
        evictIfNeeded(keeping: id)
    }

    /// The `count` stored patterns of `application` most similar to `progress`, best first:
    /// medoids are ranked first and only the members of the `probeClusters` closest clusters
    /// are compared.
    public func nearest(
        to progress: WorkflowProgress, application: String, count: Int, probeClusters: Int = 2
    ) -> [(entry: Entry, similarity: Double)] {
        let ranked = clusters.filter { $0.application == application }
            .map { ($0, entries[$0.medoid]!.pattern.similarity(to: progress)) }
            .sorted { $0.1 > $1.1 }
        var candidates: [(entry: Entry, similarity: Double)] = []
        for (cluster, _) in ranked.prefix(probeClusters) {
            for member in cluster.members {
                let entry = entries[member]!
                candidates.append((entry, entry.pattern.similarity(to: progress)))
            }
        }
        candidates.sort { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.entry.id < $1.entry.id }
        return Array(candidates.prefix(count))
    }

    private mutating func add(_ pattern: WorkflowPattern, application: String) -> Int {
        let id = nextID
        nextID += 1
        entries[id] = Entry(id: id, application: application, pattern: pattern, reuseCount: 0)
        return id
    }

    /// The member with the least summed distance (1 − similarity) to the others.
    private mutating func updateMedoid(of c: Int) {
        let members = clusters[c].members
        var best = clusters[c].medoid, bestCost = Double.infinity
        for a in members {
            var cost = 0.0
            for b in members where b != a {
                cost += 1 - WorkflowPattern.similarity(entries[a]!.pattern, entries[b]!.pattern)
            }
            if cost < bestCost { best = a; bestCost = cost }
        }
        clusters[c].medoid = best
    }

    private mutating func evictIfNeeded(keeping newest: Int) {
        while entries.count > capacity {
            let victim = entries.values
                .filter { $0.id != newest }
                .min { ($0.reuseCount, $0.id) < ($1.reuseCount, $1.id) }!
            entries[victim.id] = nil
            guard let c = clusters.firstIndex(where: { $0.members.contains(victim.id) }) else { continue }
            clusters[c].members.removeAll { $0 == victim.id }
            if clusters[c].members.isEmpty {
                clusters.remove(at: c)
            } else if clusters[c].medoid == victim.id {
                clusters[c].medoid = clusters[c].members[0]
                updateMedoid(of: c)
            }
        }
    }
}
