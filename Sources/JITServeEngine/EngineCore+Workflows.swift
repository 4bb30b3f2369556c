import JITServeCore
import JITServeScheduling

extension EngineCore {
    /// Tells the analyzer a workflow has finished and frees what the engine kept for it (the
    /// engine cannot know how many calls a workflow makes; its client — the agent, or the
    /// simulation driver — does).
    public func finishWorkflow(_ id: WorkflowID) {
        workflowEstimates[id] = nil
        workflowServiceTokens[id] = nil
        guard let entry = workflowCalls.removeValue(forKey: id) else { return }
        workflowPredictor?.observeFinished(workflowID: id, application: entry.application, slo: entry.slo, calls: entry.calls)
    }

    /// Asks the analyzer for the workflow's estimate as one of its calls arrives.
    func noteWorkflowCall(_ request: Request, slo: CompoundSLO) {
        let wf = slo.workflowID
        if workflowCalls[wf] == nil { workflowCalls[wf] = (request.application, slo, []) }
        guard let predictor = workflowPredictor else { return }
        workflowEstimates[wf] = predictor.estimate(
            workflowID: wf, application: request.application, slo: slo,
            completed: workflowCalls[wf]?.calls ?? [], arriving: request
        )
    }
}
