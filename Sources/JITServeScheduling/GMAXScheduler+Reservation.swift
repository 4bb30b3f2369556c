import JITServeCore

extension GMAXScheduler {
    /// Workflow reservation: the workflows whose future stages may count on running as wide as
    /// they are, and that width (average parallelism: future tokens over the critical path).
    ///
    /// Whether a workflow can still make its deadline depends on how wide its future stages
    /// will run, which depends on who else holds places. Judged at its headcount share of the
    /// places (`rank`'s `placeShare`), a MetaGPT workflow arriving behind 220
    /// contenders for 64 places (8B H100 · 2×) looked as if its 18,883 future tokens would run
    /// one at a time — 19,000 iterations against the 6,400 left — and was written off at
    /// arrival, though its critical path was 3,334 tokens and SLOs-Serve finished it in 166 of
    /// its 192 s. Judged at its own width whatever the load, deep overload pursued every
    /// workflow and finished few (`bench --rps 2 --max-running 32`: 1,587 → 1,200 tok/s).
    ///
    /// So places are handed out, as SLOs-Serve admits work: what the batch cap's places
    /// (`commitmentShare` of them) leave after the paces of every stream and deadline call
    /// still able to make its SLO (`pace`, summed by `rank` as `otherPaces`) goes to workflows
    /// in turn — those already served first, then by deadline — each taking the places its
    /// future needs to finish by its deadline at its width (no fewer than its current stage's
    /// calls); one that cannot finish even at full width, or does not fit what is left, is not
    /// reserved for and keeps the headcount share.
    func reserveWorkflowPlaces(
        _ workflowMembers: [WorkflowID: [WorkflowMember]], otherPaces: Double, candidates: [Candidate],
        statuses: [SLOStatus], snapshot: SchedulerSnapshot, tau: Double
    ) -> [WorkflowID: Double] {
        guard options.workflowReservation, !workflowMembers.isEmpty else { return [:] }
        let now = snapshot.now.seconds
        var places = Double(snapshot.budget.maxRunning) * (options.commitmentShare ?? 1) - otherPaces
        guard places > 0 else { return [:] }
        var claims: [(served: Bool, dueAt: Double, workflow: WorkflowID, places: Double, width: Double)] = []
        for (workflow, members) in workflowMembers where members.contains(where: { candidates[$0.index].tier != .hopeless }) {
            let estimate = snapshot.workflows[workflow]
            let future = Double(estimate?.remainingFutureOutputTokens ?? 0)
            let critical = Double(max(1, estimate?.remainingCriticalPathTokens ?? 1))
            // The current stage ends when its longest call does, by its conservative bound.
            let stage = members.reduce(0.0) { max($0, statuses[$1.index].iterationsToFinish) }
            let left = (members[0].workflowDueAt - now) / tau - stage
            guard future <= 0 || left > critical else { continue }
            claims.append((
                (snapshot.workflowServiceTokens[workflow] ?? 0) > 0, members[0].workflowDueAt, workflow,
                max(Double(members.count), future / max(left, 1)), max(1, future / critical)))
        }
        claims.sort { ($0.served ? 0 : 1, $0.dueAt, $0.workflow) < ($1.served ? 0 : 1, $1.dueAt, $1.workflow) }
        var widths: [WorkflowID: Double] = [:]
        for claim in claims where claim.places <= places {
            places -= claim.places
            widths[claim.workflow] = claim.width
        }
        return widths
    }
}
