/// The gauges a router reads from a replica's `/metrics`, by their Prometheus names (the raw
/// values). vLLM's three are required; the `jitserve:*` ones come only from jitserve replicas.
public enum ReplicaGauge: String, CaseIterable, Sendable {
    case waitingCount = "vllm:num_requests_waiting"
    case runningCount = "vllm:num_requests_running"
    case kvCacheUsage = "vllm:kv_cache_usage_perc"
    case iterationSeconds = "jitserve:iteration_seconds"
    case committedTokens = "jitserve:committed_tokens"
    case pendingPrefillTokens = "jitserve:pending_prefill_tokens"
    case requiredTokenRate = "jitserve:required_token_rate"
    case minLaxitySeconds = "jitserve:min_laxity_seconds"
    case lateRequestCount = "jitserve:late_requests"
    case workflowCallCount = "jitserve:workflow_calls"
    case maxRunning = "jitserve:max_num_seqs"
    case maxBatchedTokens = "jitserve:max_num_batched_tokens"
    case kvCapacityTokens = "jitserve:kv_capacity_tokens"

    /// The gauges every GAIE model server publishes.
    public static let required: [ReplicaGauge] = [.waitingCount, .runningCount, .kvCacheUsage]

    /// How several series of one gauge (label sets, e.g. one per model name) combine: counts
    /// and rates add up, fractions, times and limits take the largest, laxity the smallest.
    var combine: (Double, Double) -> Double {
        switch self {
        case .waitingCount, .runningCount, .committedTokens, .pendingPrefillTokens, .requiredTokenRate,
             .lateRequestCount, .workflowCallCount:
            return (+)
        case .minLaxitySeconds:
            return { Swift.min($0, $1) }
        case .kvCacheUsage, .iterationSeconds, .maxRunning, .maxBatchedTokens, .kvCapacityTokens:
            return { Swift.max($0, $1) }
        }
    }
}
