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
    public var preemptionCount = 0
    public var promptTokenCount = 0
    public var generationTokenCount = 0
    public var iterationCount = 0

    public init() {}
}
