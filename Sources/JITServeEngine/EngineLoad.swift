/// What a router may know about an engine beyond vLLM's gauges: the work it has committed to,
/// how much delay that work can absorb, and its limits. Every field is published as a gauge on a
/// replica's `/metrics` (`jitserve:*`, see `ServerMetrics`), and the simulator hands routers the
/// same figures, so a router decides alike in front of simulated and real replicas.
public struct EngineLoad: Hashable, Sendable {
    /// Running average of iteration time, seconds (modelled or measured).
    public var iterationSeconds = 0.0
    /// Tokens the engine has yet to compute for the requests it holds: unprefilled prompt (or
    /// recomputed context) plus output up to each request's conservative length bound.
    public var committedTokens = 0
    /// The unprefilled part of `committedTokens`: prefill work queued ahead of a newcomer.
    public var pendingPrefillTokens = 0
    /// Tokens per second the engine must compute to bring every held request that can still
    /// meet its SLO in just in time (each one's remaining work over the time to its milestone).
    public var requiredTokenRate = 0.0
    /// Seconds the held request with the least slack could wait and still meet its milestone;
    /// `.infinity` when no held request can still meet its SLO (or none is held).
    public var minLaxitySeconds = Double.infinity
    /// Held requests that can no longer meet their SLO.
    public var lateRequestCount = 0
    /// Held calls of compound workflows.
    public var workflowCallCount = 0
    /// Sequences per iteration (`max_num_seqs`).
    public var maxRunning = 0
    /// Tokens per iteration (`max_num_batched_tokens`).
    public var maxBatchedTokens = 0
    /// Tokens the device KV cache holds in all.
    public var kvCapacityTokens = 0

    public init() {}
}
