import JITServeCore
import JITServeScheduling

extension EngineCore {
    /// The load figures a replica publishes for routers, at `now`.
    ///
    /// Read with the same `SLOTracker` the schedulers use, at GMAX's conservative quantile, so
    /// what a router is told about a request's remaining work is what the replica's policy
    /// believes about it. One pass over the held requests.
    public func load(now: Instant, quantile: Double = 0.95) -> EngineLoad {
        let view = snapshot(now: now)
        let tracker = SLOTracker(quantile: quantile)
        var load = EngineLoad()
        load.iterationSeconds = iterationSeconds
        load.maxRunning = configuration.maxRunning
        load.maxBatchedTokens = configuration.maxBatchedTokens
        load.kvCapacityTokens = blocks.deviceBlockCount * blocks.blockSize
        let tau = max(iterationSeconds, 1e-4)
        for list in [view.running, view.waiting] {
            for s in list {
                let status = tracker.status(of: s, in: view)
                let work = Int(status.remainingWorkTokens)
                load.committedTokens += work
                load.pendingPrefillTokens += max(0, s.pendingTokenCount - 1)
                if s.workflowID != nil { load.workflowCallCount += 1 }
                let feasible = s.kind == .latency ? status.attainableTokens > 0 : status.laxity >= 0
                guard feasible else {
                    load.lateRequestCount += 1
                    continue
                }
                load.minLaxitySeconds = min(load.minLaxitySeconds, max(0, status.laxity) * tau)
                load.requiredTokenRate += Self.requiredRate(of: s, status: status, work: work, now: now.seconds)
            }
        }
        return load
    }

    /// Tokens per second a request needs to meet its SLO just in time: a stream its prefill by
    /// the next due token and then one token per TBT; a deadline or workflow call its whole
    /// remaining work by its (sub-)deadline.
    static func requiredRate(of s: SequenceState, status: SLOStatus, work: Int, now: Double) -> Double {
        let left = max(status.milestoneDueAt.seconds - now, 1e-3)
        guard s.kind == .latency else { return Double(work) / left }
        let prefill = Double(max(0, s.pendingTokenCount - 1))
        return prefill / left + 1 / max(s.due.step, 1e-3)
    }
}
