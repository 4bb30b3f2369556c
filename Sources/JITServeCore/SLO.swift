/// The three kinds of service-level objective a request can carry (DESIGN §1).
/// Raw values are the wire and CLI spellings.
public enum SLOKind: String, CaseIterable, Codable, Hashable, Sendable {
    /// Streaming: token k is due at `arrival + ttft + k·tbt`.
    case latency
    /// Whole answer by `arrival + ttlt`; then every token counts, else none.
    case deadline
    /// Whole workflow by `workflowStart + deadline`; then every token of every call counts.
    case compound
}

/// The objective of one compound call: which workflow it belongs to and that workflow's deadline.
public struct CompoundSLO: Hashable, Sendable {
    public var workflowID: WorkflowID
    /// Index of the stage this call belongs to (0 is the first).
    public var stage: Int
    /// When the workflow's first call arrived.
    public var workflowStartedAt: Instant
    /// End-to-end deadline of the whole workflow, from `workflowStartedAt`.
    public var deadline: Duration

    public init(workflowID: WorkflowID, stage: Int, workflowStartedAt: Instant, deadline: Duration) {
        self.workflowID = workflowID
        self.stage = stage
        self.workflowStartedAt = workflowStartedAt
        self.deadline = deadline
    }

    /// The instant by which every call of the workflow must have finished.
    public var dueAt: Instant { workflowStartedAt + deadline }
}

/// A request's service-level objective.
public enum SLO: Hashable, Sendable {
    case latency(ttft: Duration, tbt: Duration)
    case deadline(ttlt: Duration)
    case compound(CompoundSLO)

    public var kind: SLOKind {
        switch self {
        case .latency: .latency
        case .deadline: .deadline
        case .compound: .compound
        }
    }

    /// The workflow of a compound call, nil otherwise.
    public var workflowID: WorkflowID? {
        if case .compound(let c) = self { return c.workflowID }
        return nil
    }

    /// Every token's due time as `first + index · step` seconds: computed once per request, so
    /// hot loops (accounting, schedulers) avoid `Duration` arithmetic per token.
    public func dueSchedule(arrivedAt: Instant) -> DueSchedule {
        switch self {
        case .latency(let ttft, let tbt):
            DueSchedule(first: arrivedAt.seconds + ttft.seconds, step: tbt.seconds)
        case .deadline(let ttlt):
            DueSchedule(first: arrivedAt.seconds + ttlt.seconds, step: 0)
        case .compound(let c):
            DueSchedule(first: c.dueAt.seconds, step: 0)
        }
    }
}

/// Due times of a request's tokens, in seconds on the engine clock.
public struct DueSchedule: Hashable, Sendable {
    /// When token 0 is due (for deadline and compound SLOs: when every token is due).
    public var first: Double
    /// Seconds between consecutive tokens' due times (0 unless latency).
    public var step: Double

    public init(first: Double, step: Double) {
        self.first = first
        self.step = step
    }

    @inlinable
    public func dueSeconds(_ index: Int) -> Double { first + Double(index) * step }
}
