import JITServeCore

/// What a scheduler may know about one request: a read-only row of the snapshot.
///
/// It holds what a real serving system knows — the prompt size, tokens generated and computed so
/// far, KV held, delivery times, the SLO, and the *estimated* length distribution — and never the
/// true output length.
public struct SequenceState: Sendable {
    public let id: RequestID
    public let slo: SLO
    public let arrivedAt: Instant
    public let promptTokenCount: Int
    public let maxOutputTokens: Int
    /// Output-length distribution from the analyzer (or an oracle's point mass).
    public var length: LengthDistribution
    public var generatedTokenCount: Int
    /// Tokens whose KV is in the cache. Catches up with `knownTokenCount`.
    public var computedTokenCount: Int
    /// KV blocks this request holds on the device (the engine fills it from its block manager).
    public var allocatedBlockCount: Int
    /// Preempted by swap: its KV sits in host memory (filled like `allocatedBlockCount`).
    public var isSwapped: Bool
    public var preemptionCount: Int
    public var firstTokenAt: Instant?
    public var lastTokenAt: Instant?
    /// Tokens computed for it so far, recomputation included (least-attained-service policies).
    public var attainedServiceTokens: Int
    /// Due times of its tokens, precomputed from the SLO.
    public let due: DueSchedule

    public init(
        id: RequestID, slo: SLO, arrivedAt: Instant, promptTokenCount: Int, maxOutputTokens: Int,
        length: LengthDistribution, generatedTokenCount: Int = 0,
        computedTokenCount: Int = 0, allocatedBlockCount: Int = 0, isSwapped: Bool = false,
        preemptionCount: Int = 0, firstTokenAt: Instant? = nil, lastTokenAt: Instant? = nil,
        attainedServiceTokens: Int = 0
    ) {
        self.id = id
        self.slo = slo
        self.arrivedAt = arrivedAt
        self.promptTokenCount = promptTokenCount
        self.maxOutputTokens = maxOutputTokens
        self.length = length
        self.generatedTokenCount = generatedTokenCount
        self.computedTokenCount = computedTokenCount
        self.allocatedBlockCount = allocatedBlockCount
        self.isSwapped = isSwapped
        self.preemptionCount = preemptionCount
        self.firstTokenAt = firstTokenAt
        self.lastTokenAt = lastTokenAt
        self.attainedServiceTokens = attainedServiceTokens
        due = slo.dueSchedule(arrivedAt: arrivedAt)
    }

    public var kind: SLOKind { slo.kind }
    public var workflowID: WorkflowID? { slo.workflowID }
    /// Prompt plus generated tokens: what the KV cache must eventually hold.
    public var knownTokenCount: Int { promptTokenCount + generatedTokenCount }
    /// Tokens still to compute before the next token can be sampled.
    public var pendingTokenCount: Int { knownTokenCount - computedTokenCount }
    /// True while prompt (or recomputed context) remains to be prefilled.
    public var isPrefilling: Bool { pendingTokenCount > 1 || generatedTokenCount == 0 }
    /// Holds KV on the device (running, possibly idle this iteration).
    public var holdsKV: Bool { allocatedBlockCount > 0 }

    /// Estimated total output length at `quantile`, refined by what it has generated so far and
    /// capped by `maxOutputTokens`.
    public func outputBound(quantile: Double) -> Int {
        min(maxOutputTokens, length.upperBound(quantile: quantile, generated: generatedTokenCount))
    }
}
