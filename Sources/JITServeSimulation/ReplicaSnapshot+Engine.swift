import JITServeCore
import JITServeEngine
import JITServeRouter

extension ReplicaSnapshot {
    /// What a simulated replica's `/metrics` would show at `scrapedAt`: vLLM's gauges from the
    /// engine's figures and, when gathered, the `jitserve:*` load gauges — each set from the
    /// same engine figure `ServerMetrics` publishes, and read through `init(gauges:)`, the path
    /// a scraped text takes.
    public init(endpoint: String, scrapedAt: Instant, stats: EngineStats, load: EngineLoad?) {
        var gauges: [ReplicaGauge: Double] = [
            .waitingCount: Double(stats.waitingCount), .runningCount: Double(stats.runningCount),
            .kvCacheUsage: stats.kvUsage,
        ]
        if let load {
            gauges[.iterationSeconds] = load.iterationSeconds
            gauges[.committedTokens] = Double(load.committedTokens)
            gauges[.pendingPrefillTokens] = Double(load.pendingPrefillTokens)
            gauges[.requiredTokenRate] = load.requiredTokenRate
            gauges[.minLaxitySeconds] = load.minLaxitySeconds
            gauges[.lateRequestCount] = Double(load.lateRequestCount)
            gauges[.workflowCallCount] = Double(load.workflowCallCount)
            gauges[.maxRunning] = Double(load.maxRunning)
            gauges[.maxBatchedTokens] = Double(load.maxBatchedTokens)
            gauges[.kvCapacityTokens] = Double(load.kvCapacityTokens)
        }
        // Every required gauge is set above, so this cannot throw.
        try! self.init(gauges: gauges, endpoint: endpoint, scrapedAt: scrapedAt)
    }
}
