import JITServeCore

extension ReplicaSnapshot {
    /// The snapshot a replica's `/metrics` text describes: what a real router's scraper reads.
    ///
    /// Series of one gauge under several label sets (e.g. one per model) are combined: counts
    /// add up, usage and limits take the largest, laxity the smallest. Other metrics are ignored.
    /// - Throws: `RouterError.malformedMetrics` for text that is not Prometheus exposition,
    ///   `RouterError.missingGauge` when a vLLM gauge every GAIE model server publishes is absent.
    public init(metrics text: String, endpoint: String, scrapedAt: Instant) throws(RouterError) {
        var gauges: [ReplicaGauge: Double] = [:]
        for sample in try PrometheusSample.parse(text) {
            guard let gauge = ReplicaGauge(rawValue: sample.name) else { continue }
            gauges[gauge] = gauges[gauge].map { gauge.combine($0, sample.value) } ?? sample.value
        }
        try self.init(gauges: gauges, endpoint: endpoint, scrapedAt: scrapedAt)
    }

    /// The snapshot made of gauge values by name: the one path from published figures to what a
    /// router sees, shared by the scraper (above) and the simulator.
    ///
    /// `load` is filled only when every `jitserve:*` gauge is present.
    /// - Throws: `RouterError.missingGauge` when one of `ReplicaGauge.required` is absent.
    public init(gauges: [ReplicaGauge: Double], endpoint: String, scrapedAt: Instant, isReady: Bool = true) throws(RouterError) {
        for gauge in ReplicaGauge.required where gauges[gauge] == nil {
            throw .missingGauge(gauge.rawValue, endpoint: endpoint)
        }
        func count(_ gauge: ReplicaGauge) -> Int {
            let v = gauges[gauge] ?? 0
            return v.isFinite ? Int(max(0, v).rounded()) : 0
        }
        self.init(
            endpoint: endpoint, scrapedAt: scrapedAt, isReady: isReady, waitingCount: count(.waitingCount),
            runningCount: count(.runningCount), kvCacheUsage: min(1, max(0, gauges[.kvCacheUsage] ?? 0)))
        let loadGauges = ReplicaGauge.allCases.filter { !ReplicaGauge.required.contains($0) }
        guard loadGauges.allSatisfy({ gauges[$0] != nil }) else { return }
        load = ReplicaLoad(
            iterationSeconds: max(0, gauges[.iterationSeconds] ?? 0),
            committedTokens: count(.committedTokens), pendingPrefillTokens: count(.pendingPrefillTokens),
            requiredTokenRate: max(0, gauges[.requiredTokenRate] ?? 0),
            minLaxitySeconds: gauges[.minLaxitySeconds].map { $0.isNaN ? .infinity : max(0, $0) } ?? .infinity,
            lateRequestCount: count(.lateRequestCount), workflowCallCount: count(.workflowCallCount),
            maxRunning: count(.maxRunning), maxBatchedTokens: count(.maxBatchedTokens),
            kvCapacityTokens: count(.kvCapacityTokens))
    }

    /// The gauge values this snapshot holds, by name: the inverse of `init(gauges:)`.
    public var gauges: [ReplicaGauge: Double] {
        var gauges: [ReplicaGauge: Double] = [
            .waitingCount: Double(waitingCount), .runningCount: Double(runningCount), .kvCacheUsage: kvCacheUsage,
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
        return gauges
    }
}
