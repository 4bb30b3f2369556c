import JITServeCore

/// What a router may know about one replica: exactly what the replica's `/metrics` exposes.
///
/// vLLM's three gauges, which every GAIE-compatible model server publishes, and — from a
/// jitserve replica — the `jitserve:*` load gauges in `load`. A router decides from these alone,
/// never from a replica's internals, so the same policy runs in front of simulated replicas and
/// real ones (DESIGN §10).
public struct ReplicaSnapshot: Hashable, Sendable {
    /// The replica's address as the router names it (`ip:port`, or `replica-N` in simulation).
    public var endpoint: String
    /// When these figures were read: requests the router sent after it are not in them yet.
    public var scrapedAt: Instant
    /// False when the replica failed its last scrape or health check: never picked.
    public var isReady: Bool
    /// `vllm:num_requests_waiting`.
    public var waitingCount: Int
    /// `vllm:num_requests_running`.
    public var runningCount: Int
    /// `vllm:kv_cache_usage_perc` (0…1).
    public var kvCacheUsage: Double
    /// The `jitserve:*` gauges; nil for a replica that does not publish them (plain vLLM).
    public var load: ReplicaLoad?

    public init(
        endpoint: String, scrapedAt: Instant, isReady: Bool = true, waitingCount: Int, runningCount: Int,
        kvCacheUsage: Double, load: ReplicaLoad? = nil
    ) {
        self.endpoint = endpoint
        self.scrapedAt = scrapedAt
        self.isReady = isReady
        self.waitingCount = waitingCount
        self.runningCount = runningCount
        self.kvCacheUsage = kvCacheUsage
        self.load = load
    }

    /// Requests the replica holds (running and waiting).
    public var requestCount: Int { waitingCount + runningCount }
}

/// A jitserve replica's load gauges (`jitserve:*`): the work it has committed to, how much delay
/// that work can absorb, and its limits.
public struct ReplicaLoad: Hashable, Sendable {
    /// `jitserve:iteration_seconds`: running average of iteration time.
    public var iterationSeconds: Double
    /// `jitserve:committed_tokens`: unprefilled prompt plus output to each held request's
    /// conservative length bound, over every request it holds.
    public var committedTokens: Int
    /// `jitserve:pending_prefill_tokens`: the unprefilled part of `committedTokens`.
    public var pendingPrefillTokens: Int
    /// `jitserve:required_token_rate`: tokens/s it must compute to bring every held request
    /// that can still meet its SLO in just in time.
    public var requiredTokenRate: Double
    /// `jitserve:min_laxity_seconds`: slack of the held request with the least of it
    /// (`.infinity`: none can still meet its SLO).
    public var minLaxitySeconds: Double
    /// `jitserve:late_requests`: held requests that can no longer meet their SLO.
    public var lateRequestCount: Int
    /// `jitserve:workflow_calls`: held calls of compound workflows.
    public var workflowCallCount: Int
    /// `jitserve:max_num_seqs`.
    public var maxRunning: Int
    /// `jitserve:max_num_batched_tokens`.
    public var maxBatchedTokens: Int
    /// `jitserve:kv_capacity_tokens`: tokens the device KV cache holds in all.
    public var kvCapacityTokens: Int

    public init(
        iterationSeconds: Double, committedTokens: Int, pendingPrefillTokens: Int, requiredTokenRate: Double,
        minLaxitySeconds: Double, lateRequestCount: Int, workflowCallCount: Int, maxRunning: Int,
        maxBatchedTokens: Int, kvCapacityTokens: Int
    ) {
        self.iterationSeconds = iterationSeconds
        self.committedTokens = committedTokens
        self.pendingPrefillTokens = pendingPrefillTokens
        self.requiredTokenRate = requiredTokenRate
        self.minLaxitySeconds = minLaxitySeconds
        self.lateRequestCount = lateRequestCount
        self.workflowCallCount = workflowCallCount
        self.maxRunning = maxRunning
        self.maxBatchedTokens = maxBatchedTokens
        self.kvCapacityTokens = kvCapacityTokens
    }
}
