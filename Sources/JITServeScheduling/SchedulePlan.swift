import JITServeCore

/// One request's work in the planned iteration.
public struct ScheduledWork: Hashable, Sendable {
    public var requestID: RequestID
    /// Tokens to compute: a prefill chunk, or 1 for decode.
    public var tokenCount: Int

    public init(requestID: RequestID, tokenCount: Int) {
        self.requestID = requestID
        self.tokenCount = tokenCount
    }
}

/// A policy's decision for one iteration: plain data (as vLLM v1's scheduler output).
public struct SchedulePlan: Hashable, Sendable {
    /// Who runs, in batch order, and how many tokens each computes.
    public var scheduled: [ScheduledWork]
    /// Requests that give up their device KV before the iteration (swap or recompute is the
    /// engine's configuration).
    public var preempted: [RequestID]

    public init(scheduled: [ScheduledWork] = [], preempted: [RequestID] = []) {
        self.scheduled = scheduled
        self.preempted = preempted
    }

    public static let empty = SchedulePlan()
    public var isEmpty: Bool { scheduled.isEmpty }
    public var tokenCount: Int { scheduled.reduce(0) { $0 + $1.tokenCount } }
}
