/// What a scheduler believes about a running workflow: produced by the workflow analyzer from
/// what the workflow has shown so far, or by an oracle from the true shape.
public struct WorkflowEstimate: Hashable, Sendable {
    /// Stages still to come after the stage now running.
    public var remainingStageCount: Int
    /// Output tokens expected from calls not yet sent (future stages).
    public var remainingFutureOutputTokens: Int
    /// Of those, the future stages' critical path: each stage's longest call, summed. A stage's
    /// calls run side by side, so this, not the total, is how long the future takes at one
    /// token per iteration. A workflow that fans out after a single planning call (MetaGPT's
    /// one call then rounds of eight, Tree-of-Thoughts' one then dozens) has a future several
    /// times shorter than its token count divided by the calls running now.
    public var remainingCriticalPathTokens: Int
    /// The current stage's sub-deadline: its cumulative share of the workflow deadline.
    public var currentStageDueAt: Instant

    /// `remainingCriticalPathTokens` nil: as if every future call ran after the one before
    /// (the longest the future can take).
    public init(
        remainingStageCount: Int, remainingFutureOutputTokens: Int, remainingCriticalPathTokens: Int? = nil,
        currentStageDueAt: Instant
    ) {
        self.remainingStageCount = remainingStageCount
        self.remainingFutureOutputTokens = remainingFutureOutputTokens
        self.remainingCriticalPathTokens = min(remainingCriticalPathTokens ?? remainingFutureOutputTokens,
                                               remainingFutureOutputTokens)
        self.currentStageDueAt = currentStageDueAt
    }
}

/// Facts about one finished call, as fed back to the analyzers.
public struct CallObservation: Hashable, Sendable {
    public var stage: Int
    public var promptTokenCount: Int
    public var outputTokenCount: Int
    public var startedAt: Instant
    public var finishedAt: Instant

    public init(stage: Int, promptTokenCount: Int, outputTokenCount: Int, startedAt: Instant, finishedAt: Instant) {
        self.stage = stage
        self.promptTokenCount = promptTokenCount
        self.outputTokenCount = outputTokenCount
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// Predicts the rest of a running workflow. The engine asks when a compound call arrives and
/// tells it when calls and workflows finish, so implementations may learn online.
public protocol WorkflowPredictor: Sendable {
    var name: String { get }
    /// The estimate for `workflowID`, given its SLO and the calls it has completed so far.
    func estimate(
        workflowID: WorkflowID, application: String?, slo: CompoundSLO,
        completed: [CallObservation], arriving: Request
    ) -> WorkflowEstimate
    /// Online feedback: a workflow finished with these calls (all of them, every stage).
    mutating func observeFinished(workflowID: WorkflowID, application: String?, slo: CompoundSLO, calls: [CallObservation])
    /// Online feedback from a workflow still running: one of its calls finished; `calls` are
    /// all it has finished so far, that one last. Under overload few workflows finish for a
    /// long time, and the ones that do are the short ones: what running workflows have shown
    /// is the evidence there is.
    mutating func observeCallFinished(workflowID: WorkflowID, application: String?, calls: [CallObservation])
}

extension WorkflowPredictor {
    public mutating func observeFinished(
        workflowID: WorkflowID, application: String?, slo: CompoundSLO, calls: [CallObservation]
    ) {}

    public mutating func observeCallFinished(workflowID: WorkflowID, application: String?, calls: [CallObservation]) {}
}
