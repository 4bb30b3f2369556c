import JITServeCore

/// Told every call's true output length: the ceiling a length predictor could reach. Only
/// policies named `…-oracle` may be given it.
public struct OracleLengthPredictor: OutputLengthPredictor {
    public let name = "oracle"
    private let lengths: [RequestID: Int]

    public init(plan: WorkloadPlan) { lengths = plan.outputTokenCount }

    public func distribution(for request: Request) -> LengthDistribution {
        .exactly(lengths[request.id] ?? request.maxOutputTokens)
    }
}

/// Told every workflow's true shape: remaining stages, their output tokens, and each stage's
/// share of the deadline in proportion to its critical-path work.
public struct OracleWorkflowPredictor: WorkflowPredictor {
    public let name = "oracle"
    private let plan: WorkloadPlan

    public init(plan: WorkloadPlan) { self.plan = plan }

    public func estimate(
        workflowID: WorkflowID, application: String?, slo: CompoundSLO,
        completed: [CallObservation], arriving: Request
    ) -> WorkflowEstimate {
        guard let index = plan.workflowIndex[workflowID] else {
            return WorkflowEstimate(remainingStageCount: 0, remainingFutureOutputTokens: 0, currentStageDueAt: slo.dueAt)
        }
        let stages = plan.workflows[index].traced.spec.stages
        let current = min(slo.stage, stages.count - 1)
        let work = stages.map(\.criticalPathWork)
        let total = max(work.reduce(0, +), 1e-9)
        let share = work[...current].reduce(0, +) / total
        let future = stages[(current + 1)...].reduce(0) { $0 + $1.calls.reduce(0) { $0 + $1.outputTokenCount } }
        let criticalPath = stages[(current + 1)...].reduce(0) { $0 + ($1.calls.map(\.outputTokenCount).max() ?? 0) }
        return WorkflowEstimate(
            remainingStageCount: stages.count - current - 1,
            remainingFutureOutputTokens: future,
            remainingCriticalPathTokens: criticalPath,
            currentStageDueAt: slo.workflowStartedAt.advanced(bySeconds: slo.deadline.seconds * share)
        )
    }
}
