import JITServeEngine
import Prometheus

extension ServerMetrics {
    /// The `jitserve:*` gauges a router reads besides vLLM's (DESIGN §10): the replica's
    /// committed work, the slack it has left, and its limits, from the engine's `EngineLoad`.
    /// Names must match what `JITServeRouter.ReplicaGauge` scrapes (a test cross-checks them).
    struct RoutingGauges: Sendable {
        let iterationSeconds: Gauge
        let committedTokens: Gauge
        let pendingPrefillTokens: Gauge
        let requiredTokenRate: Gauge
        let minLaxitySeconds: Gauge
        let lateRequests: Gauge
        let workflowCalls: Gauge
        let maxNumSeqs: Gauge
        let maxNumBatchedTokens: Gauge
        let kvCapacityTokens: Gauge

        init(registry r: PrometheusCollectorRegistry, labels: [(String, String)]) {
            func gauge(_ name: String, _ help: String) -> Gauge {
                r.makeGauge(descriptor: ServerMetrics.descriptor(name, help), labels: labels)
            }
            iterationSeconds = gauge("jitserve:iteration_seconds", "Running average of iteration time, seconds.")
            committedTokens = gauge("jitserve:committed_tokens", "Tokens still to compute for held requests: unprefilled prompt plus output to each one's conservative length bound.")
            pendingPrefillTokens = gauge("jitserve:pending_prefill_tokens", "Prompt (or recomputed context) tokens of held requests not yet prefilled.")
            requiredTokenRate = gauge("jitserve:required_token_rate", "Tokens per second needed to bring every held request that can still meet its SLO in just in time.")
            minLaxitySeconds = gauge("jitserve:min_laxity_seconds", "Slack of the held request with the least of it, seconds (+Inf: none can still meet its SLO).")
            lateRequests = gauge("jitserve:late_requests", "Held requests that can no longer meet their SLO.")
            workflowCalls = gauge("jitserve:workflow_calls", "Held calls of compound workflows.")
            maxNumSeqs = gauge("jitserve:max_num_seqs", "Sequences per iteration (max_num_seqs).")
            maxNumBatchedTokens = gauge("jitserve:max_num_batched_tokens", "Tokens per iteration (max_num_batched_tokens).")
            kvCapacityTokens = gauge("jitserve:kv_capacity_tokens", "Tokens the device KV cache holds in all.")
        }

        func set(_ load: EngineLoad) {
            iterationSeconds.set(load.iterationSeconds)
            committedTokens.set(Double(load.committedTokens))
            pendingPrefillTokens.set(Double(load.pendingPrefillTokens))
            requiredTokenRate.set(load.requiredTokenRate)
            minLaxitySeconds.set(load.minLaxitySeconds)
            lateRequests.set(Double(load.lateRequestCount))
            workflowCalls.set(Double(load.workflowCallCount))
            maxNumSeqs.set(Double(load.maxRunning))
            maxNumBatchedTokens.set(Double(load.maxBatchedTokens))
            kvCapacityTokens.set(Double(load.kvCapacityTokens))
        }
    }
}
