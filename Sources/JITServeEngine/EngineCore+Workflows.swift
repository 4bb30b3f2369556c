import JITServeCore
import JITServeScheduling

extension EngineCore {
    /// Frees everything the engine kept for a finished workflow and, when it ran whole, teaches
    /// the analyzer its shape. The simulation driver, which knows each workflow's shape, calls
    /// it when the last stage is done, with `teachesAnalyzer` false when one of the workflow's
    /// calls was shed or refused anywhere (perhaps on another replica); a live engine ends
    /// workflows itself (a call marked final, or idle expiry).
    ///
    /// A workflow that lost a call shows the analyzer a truncated shape: fewer stages, less
    /// work than such workflows really take. Learnt, that shape shrinks every live workflow's
    /// estimated remaining work and so its stage sub-deadlines, which then come too late; under
    /// load shedding this cost jitserve a quarter of its goodput (cap 32, 1 req/s).
    public func finishWorkflow(_ id: WorkflowID, teachesAnalyzer: Bool = true) {
        workflowEstimates[id] = nil
        workflowServiceTokens[id] = nil
        guard let ledger = workflowCalls.removeValue(forKey: id), teachesAnalyzer, !ledger.hasLostCall else { return }
        workflowPredictor?.observeFinished(
            workflowID: id, application: ledger.application, slo: ledger.slo, calls: ledger.calls)
    }

    /// Ends every workflow that has gone idle past its deadline (`WorkflowLedger.hasExpired`,
    /// after `configuration.workflowIdleTimeout`) and returns them. What such a workflow did is
    /// what it did: the analyzer learns its shape as of its last call, so a client that never
    /// marks a final call still teaches it. O(live workflows); a live engine calls it about
    /// once a second.
    @discardableResult
    public func expireIdleWorkflows(now: Instant) -> [WorkflowID] {
        let timeout = configuration.workflowIdleTimeout
        let expired = workflowCalls.compactMap { id, ledger in ledger.hasExpired(at: now, idleTimeout: timeout) ? id : nil }
        for id in expired.sorted() { finishWorkflow(id) }
        endedWorkflows.append(contentsOf: expired)
        return expired
    }

    /// A call of a compound workflow was refused (shed by admission control, or failing the
    /// engine's limits) and will not run: its workflow will not teach the analyzer (see
    /// `finishWorkflow`). An unknown workflow gets a ledger, so that its later calls know it
    /// too, and it ends as any other (idle expiry). With `endsWorkflow`, the call was the
    /// client's last, as in `markWorkflowFinal`. Other requests are ignored.
    public func noteLostCall(_ request: Request, endsWorkflow: Bool) {
        guard case .compound(let slo) = request.slo else { return }
        let wf = slo.workflowID
        if workflowCalls[wf] == nil, !endsWorkflow {
            workflowCalls[wf] = WorkflowLedger(application: request.application, slo: slo, at: request.arrivedAt)
        }
        if workflowCalls[wf] != nil {
            workflowCalls[wf]!.hasLostCall = true
            workflowCalls[wf]!.lastActivityAt = max(workflowCalls[wf]!.lastActivityAt, request.arrivedAt)
        }
        if endsWorkflow { markWorkflowFinal(wf) }
    }

    /// The client has said the workflow is over although its final call never reached the
    /// engine (the server refused it before the engine saw it): the workflow ends once no call
    /// of it is held. An unknown workflow is reported ended at once, so that its name is
    /// forgotten too.
    public func markWorkflowFinal(_ id: WorkflowID) {
        guard workflowCalls[id] != nil else {
            endedWorkflows.append(id)
            return
        }
        workflowCalls[id]!.isFinalCallSeen = true
        if workflowCalls[id]!.heldCallCount == 0 {
            finishWorkflow(id)
            endedWorkflows.append(id)
        }
    }

    /// Workflows the engine has ended on its own since the last call (final call done, or
    /// expired), so that whoever named them (the server's registry) can forget the names.
    public func takeEndedWorkflows() -> [WorkflowID] {
        defer { endedWorkflows.removeAll() }
        return endedWorkflows
    }

    /// Workflows the engine holds state for.
    public var liveWorkflowCount: Int { workflowCalls.count }

    /// The analyzer's estimate for a live workflow: its current stage's sub-deadline and what
    /// remains (nil when the workflow is unknown or the engine has no analyzer).
    public func workflowEstimate(_ id: WorkflowID) -> WorkflowEstimate? { workflowEstimates[id] }

    /// Records a compound call's arrival and asks the analyzer for the workflow's estimate.
    func noteWorkflowCall(_ request: Request, slo: CompoundSLO, endsWorkflow: Bool) {
        let wf = slo.workflowID
        if workflowCalls[wf] == nil {
            workflowCalls[wf] = WorkflowLedger(application: request.application, slo: slo, at: request.arrivedAt)
        }
        // Mutated in place: the ledger's call list is not copied.
        workflowCalls[wf]!.heldCallCount += 1
        workflowCalls[wf]!.lastActivityAt = max(workflowCalls[wf]!.lastActivityAt, request.arrivedAt)
        if endsWorkflow { workflowCalls[wf]!.isFinalCallSeen = true }
        guard let predictor = workflowPredictor else { return }
        workflowEstimates[wf] = predictor.estimate(
            workflowID: wf, application: request.application, slo: slo, completed: workflowCalls[wf]!.calls,
            arriving: request)
    }

    /// Records a compound call leaving the engine; ends its workflow when that was the last call
    /// held after the client marked one final.
    func noteCallRetired(_ s: EngineSequence, slo: CompoundSLO, at now: Instant) {
        let wf = slo.workflowID
        guard workflowCalls[wf] != nil else { return }
        workflowCalls[wf]!.calls.append(CallObservation(
            stage: slo.stage, promptTokenCount: s.request.promptTokenCount,
            outputTokenCount: s.state.generatedTokenCount, startedAt: s.request.arrivedAt, finishedAt: now))
        workflowPredictor?.observeCallFinished(
            workflowID: wf, application: workflowCalls[wf]!.application, calls: workflowCalls[wf]!.calls)
        workflowCalls[wf]!.heldCallCount = max(0, workflowCalls[wf]!.heldCallCount - 1)
        workflowCalls[wf]!.lastActivityAt = max(workflowCalls[wf]!.lastActivityAt, now)
        if workflowCalls[wf]!.isFinalCallSeen && workflowCalls[wf]!.heldCallCount == 0 {
            finishWorkflow(wf)
            endedWorkflows.append(wf)
        }
    }
}
