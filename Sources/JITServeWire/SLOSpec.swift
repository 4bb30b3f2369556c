import JITServeCore

/// A request's SLO as the client wrote it — the body's `slo` object and/or the `x-slo-*`
/// headers — before it is resolved against the server's default and the clock.
public struct SLOSpec: Equatable, Sendable {
    public var kind: SLOKind?
    public var ttftMilliseconds: Double?
    public var tbtMilliseconds: Double?
    public var deadlineMilliseconds: Double?
    /// The client's workflow name; calls sharing it share one end-to-end deadline.
    public var workflowID: String?
    public var stage: Int?
    /// The client marks its workflow's last call: the workflow's state is freed once it (and
    /// any other call of the workflow still running) has finished.
    public var isFinal: Bool?

    public init(
        kind: SLOKind? = nil, ttftMilliseconds: Double? = nil, tbtMilliseconds: Double? = nil,
        deadlineMilliseconds: Double? = nil, workflowID: String? = nil, stage: Int? = nil, isFinal: Bool? = nil
    ) {
        self.kind = kind
        self.ttftMilliseconds = ttftMilliseconds
        self.tbtMilliseconds = tbtMilliseconds
        self.deadlineMilliseconds = deadlineMilliseconds
        self.workflowID = workflowID
        self.stage = stage
        self.isFinal = isFinal
    }

    public var isEmpty: Bool { self == SLOSpec() }

    /// Fields of `self` (the body) win; `other` (the headers) fills the gaps.
    public func filling(from other: SLOSpec) -> SLOSpec {
        SLOSpec(
            kind: kind ?? other.kind, ttftMilliseconds: ttftMilliseconds ?? other.ttftMilliseconds,
            tbtMilliseconds: tbtMilliseconds ?? other.tbtMilliseconds,
            deadlineMilliseconds: deadlineMilliseconds ?? other.deadlineMilliseconds,
            workflowID: workflowID ?? other.workflowID, stage: stage ?? other.stage, isFinal: isFinal ?? other.isFinal)
    }

    /// Whether the request ends its workflow; refused for a request of another kind.
    public func endsWorkflow() throws(HTTPError) -> Bool {
        guard isFinal == true else { return false }
        guard impliedKind == .compound else {
            throw .invalidField("slo.final", reason: "marks a workflow's last call; it applies to SLOs of kind compound only")
        }
        return true
    }

    /// The kind written, or the one the fields imply: a workflow ID means compound, a deadline
    /// alone means deadline, TTFT or TBT means latency.
    public var impliedKind: SLOKind? {
        if let kind { return kind }
        if workflowID != nil { return .compound }
        if ttftMilliseconds != nil || tbtMilliseconds != nil { return .latency }
        if deadlineMilliseconds != nil { return .deadline }
        return nil
    }

    /// The SLO to schedule by.
    ///
    /// - Parameters:
    ///   - defaultSLO: The server's default, for a request that says nothing; a latency request
    ///     that omits TTFT or TBT takes them from it (or from DESIGN §9's base, 800 ms / 80 ms).
    ///   - workflowStart: Maps a workflow name to its ID and the arrival of its first call.
    public func resolve(
        default defaultSLO: SLO, workflowStart: (String) throws(HTTPError) -> (WorkflowID, Instant)
    ) throws(HTTPError) -> SLO {
        guard let kind = impliedKind else { return defaultSLO }
        switch kind {
        case .latency:
            var ttft = 800.0, tbt = 80.0
            if case .latency(let t, let b) = defaultSLO {
                ttft = t.milliseconds
                tbt = b.milliseconds
            }
            return .latency(
                ttft: .milliseconds(ttftMilliseconds ?? ttft), tbt: .milliseconds(tbtMilliseconds ?? tbt))
        case .deadline:
            guard let deadline = deadlineMilliseconds else {
                throw .missingField("slo.deadline_ms (or header x-slo-deadline-ms), for an SLO of kind deadline")
            }
            return .deadline(ttlt: .milliseconds(deadline))
        case .compound:
            guard let name = workflowID else {
                throw .missingField("slo.workflow_id (or header x-workflow-id), for an SLO of kind compound")
            }
            guard let deadline = deadlineMilliseconds else {
                throw .missingField("slo.deadline_ms (or header x-slo-deadline-ms), for an SLO of kind compound")
            }
            let (id, startedAt) = try workflowStart(name)
            return .compound(CompoundSLO(
                workflowID: id, stage: stage ?? 0, workflowStartedAt: startedAt, deadline: .milliseconds(deadline)))
        }
    }
}

extension Duration {
    /// A duration from fractional milliseconds.
    static func milliseconds(_ value: Double) -> Duration { .nanoseconds(Int64((value * 1e6).rounded())) }
}
