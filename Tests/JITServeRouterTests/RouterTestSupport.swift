import JITServeCore
import JITServeRouter

/// A replica snapshot with jitserve's load gauges, from the few figures a test cares about.
func replica(
    _ name: String, waiting: Int = 0, running: Int = 0, kv: Double = 0, iteration: Double = 0.03,
    pendingPrefill: Int = 0, requiredRate: Double = 0, ready: Bool = true, scrapedAt: Instant = Instant(seconds: 10),
    maxRunning: Int = 256
) -> ReplicaSnapshot {
    ReplicaSnapshot(
        endpoint: name, scrapedAt: scrapedAt, isReady: ready, waitingCount: waiting, runningCount: running,
        kvCacheUsage: kv,
        load: ReplicaLoad(
            iterationSeconds: iteration, committedTokens: 0, pendingPrefillTokens: pendingPrefill,
            requiredTokenRate: requiredRate, minLaxitySeconds: .infinity, lateRequestCount: 0,
            workflowCallCount: 0, maxRunning: maxRunning, maxBatchedTokens: 2048, kvCapacityTokens: 100_000))
}

/// A request arriving at t = 10 s with a known length distribution.
func arrival(
    _ id: UInt64, slo: SLO, prompt: Int = 500, lengths: [Int] = [100, 120, 150, 200], maxTokens: Int = 4096
) -> RoutingRequest {
    RoutingRequest(
        id: RequestID(id), arrivedAt: Instant(seconds: 10), promptTokenCount: prompt, maxOutputTokens: maxTokens,
        slo: slo, length: LengthDistribution(samples: lengths))
}

func workflowCall(_ id: UInt64, workflow: UInt64, stage: Int = 0, deadline: Duration = .seconds(120)) -> RoutingRequest {
    arrival(id, slo: .compound(CompoundSLO(
        workflowID: WorkflowID(workflow), stage: stage, workflowStartedAt: Instant(seconds: 9), deadline: deadline)))
}

let now = Instant(seconds: 10)
let stream = SLO.latency(ttft: .milliseconds(800), tbt: .milliseconds(80))
