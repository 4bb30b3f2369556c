import JITServeCore

/// One iteration after `EngineCore.admit`: preemptions done, KV blocks in place, and what runs.
/// `EngineCore.batch(for:)` turns it into the executor's batch; `EngineCore.apply` takes the
/// outcome back.
public struct Admission {
    public let startedAt: Instant
    public internal(set) var preemptionCount = 0
    /// KV blocks moved host→device (resumed swapped requests) and device→host (preempted).
    public internal(set) var swapInBlockCount = 0
    public internal(set) var swapOutBlockCount = 0
    /// Device blocks copied before the forward pass (cached prefixes ending part-way into a block).
    public internal(set) var blockCopies: [KVBlockCopy] = []
    /// What runs, in batch order: each request and the tokens it computes.
    var work: [(sequence: EngineSequence, tokenCount: Int)] = []

    init(startedAt: Instant) { self.startedAt = startedAt }

    /// True when nothing runs this iteration.
    public var isEmpty: Bool { work.isEmpty }

    /// Each scheduled request and its token count, in batch order.
    public var scheduled: [(requestID: RequestID, tokenCount: Int)] { work.map { ($0.sequence.id, $0.tokenCount) } }
}
