import JITServeCore

/// What one engine iteration did.
public struct IterationReport: Sendable {
    public var startedAt: Instant
    public var elapsed: Duration
    /// Tokens delivered at `finishedAt`, in batch order, with their text.
    public var tokens: [DeliveredToken]
    /// Requests that finished this iteration.
    public var finished: [RequestRecord]
    /// Sequences in the batch.
    public var batchSize: Int
    public var preemptionCount: Int

    public var finishedAt: Instant { startedAt + elapsed }
    /// True when nothing could run (e.g. every waiting request needs memory that is not free).
    public var isIdle: Bool { batchSize == 0 }
}

/// Live figures of the engine (vLLM's gauges and counters).
public struct EngineStats: Sendable {
    public var runningCount = 0
    public var waitingCount = 0
    /// Fraction of device KV blocks in use.
    public var kvUsage = 0.0
    public var usedBlockCount = 0
    /// Device blocks holding a prefix-cache entry, in use or evictable.
    public var cachedBlockCount = 0
    /// Prefix caching, in tokens (vLLM's `prefix_cache_queries` / `prefix_cache_hits`): the
    /// known tokens of every request looked up as it was admitted (again after a recompute
    /// preemption), and those found cached, whose prefill was skipped.
    public var prefixCacheQueryTokenCount = 0
    public var prefixCacheHitTokenCount = 0
    public var preemptionCount = 0
    public var promptTokenCount = 0
    public var generationTokenCount = 0
    public var iterationCount = 0
    /// Entries of the engine's per-workflow maps: live workflows (calls and bookkeeping), their
    /// analyzer estimates, and their attained service. Bounded by the workflow lifecycle.
    public var workflowCount = 0
    public var workflowEstimateCount = 0
    public var workflowServiceTokenCount = 0
    /// Seconds the executor spent running iterations, all told (what is left of the wall time
    /// went to the engine, the policy, the server, or waiting for work).
    public var executorSeconds = 0.0

    public init() {}
}
