import JITServeCore
import JITServeEngine
import JITServeRouter

extension ReplicaSnapshot {
    /// What a simulated replica's `/metrics` would show at `scrapedAt`: vLLM's gauges from the
    /// engine's figures and, when gathered, the `jitserve:*` load gauges — each set from the
    /// same engine figure `ServerMetrics` publishes, written out as gauges (`gauges`) and read
    /// back through `init(gauges:)`, the path a scraped text takes.
    public init(endpoint: String, scrapedAt: Instant, stats: EngineStats, load: EngineLoad?) {
        let direct = ReplicaSnapshot(
            endpoint: endpoint, scrapedAt: scrapedAt, waitingCount: stats.waitingCount,
            runningCount: stats.runningCount, kvCacheUsage: stats.kvUsage,
            load: load.map {
                ReplicaLoad(
                    iterationSeconds: $0.iterationSeconds, committedTokens: $0.committedTokens,
                    pendingPrefillTokens: $0.pendingPrefillTokens, requiredTokenRate: $0.requiredTokenRate,
                    minLaxitySeconds: $0.minLaxitySeconds, lateRequestCount: $0.lateRequestCount,
                    workflowCallCount: $0.workflowCallCount, maxRunning: $0.maxRunning,
                    maxBatchedTokens: $0.maxBatchedTokens, kvCapacityTokens: $0.kvCapacityTokens)
            })
        // `gauges` sets every required gauge, so this cannot throw.
        try! self.init(gauges: direct.gauges, endpoint: endpoint, scrapedAt: scrapedAt)
    }
}
