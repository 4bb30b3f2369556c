import JITServeCore

/// What one engine iteration did.
public struct IterationReport: Sendable {
    public var startedAt: Instant
    public var elapsed: Duration
    /// Tokens delivered at `finishedAt`, in batch order.
    public var tokens: [GeneratedToken]
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
    public var runningCount: Int
    public var waitingCount: Int
    /// Fraction of device KV blocks in use.
    public var kvUsage: Double
    public var usedBlockCount: Int
    public var preemptionCount: Int
    public var promptTokenCount: Int
    public var generationTokenCount: Int
    public var iterationCount: Int
}
