import JITServeCore

extension GMAXScheduler {
    /// The tier and goodput density of each row in `selection` (row indices of `states`) for
    /// this iteration; a candidate's `index` is its row.
    ///
    /// Urgency is conservative and giving up is not: laxity counts the length *bound* (start in
    /// time even if the answer runs long), while the on-time factor that values a request — and
    /// calls it hopeless below ½ — counts its *expected* length. A request is written off only
    /// when even its expected length cannot make it: the bound of a text-less call (a tool call, an
    /// agent's step) is loose until its application's lengths are learned, and judging by it
    /// wrote off tool calls that an idle replica finishes in time (azure-code at ½ load: 22 tok/s
    /// against SJF's 43).
    func rank(_ selection: [Int], of states: SnapshotRows, in snapshot: SchedulerSnapshot) -> [Candidate] {
        let tracker = SLOTracker(quantile: options.quantile, refinesBounds: options.refinement)
        let tau = max(snapshot.iterationSeconds, 1e-4)
        var candidates: [Candidate] = []
        candidates.reserveCapacity(selection.count)
        var statuses: [SLOStatus] = []
        statuses.reserveCapacity(selection.count)
        var workflowMembers: [WorkflowID: [Int]] = [:]

        for row in selection {
            let s = states[row]
            let status = tracker.status(of: s, in: snapshot)
            // Remaining generation time as DESIGN §5 counts it: every token still to compute,
            // prompt included, at one per iteration. A long prompt costs the batch its budget.
            let seconds = status.remainingWorkTokens * tau
            var tier: Tier
            var density: Double
            switch s.kind {
            case .latency:
                density = status.attainableTokens / seconds
                tier = status.attainableTokens <= 0 ? .hopeless
                    : status.laxity < options.urgencyIterations ? .urgent : .ahead
            case .deadline:
                let allowed = (status.milestoneDueAt.seconds - snapshot.now.seconds) / tau
                let factor = onTimeFactor(allowed / status.expectedIterationsToFinish)
                density = factor * (Double(s.generatedTokenCount) + status.remainingExpectedTokens) / seconds
                tier = factor < 0.5 ? .hopeless : status.laxity < options.urgencyIterations ? .urgent : .ahead
            case .compound:
                // The stage sub-deadline is the analyzer's guess: against it a call is only ever
                // behind (urgent), never hopeless — the workflow's own deadline decides that.
                density = 0
                tier = status.laxity < options.urgencyIterations ? .urgent : .ahead
            }
            if let wf = s.workflowID { workflowMembers[wf, default: []].append(candidates.count) }
            candidates.append(Candidate(
                index: row, tier: tier, density: density, laxity: status.laxity,
                arrivedAt: s.arrivedAt.seconds, id: s.id, sequenceLength: s.computedTokenCount + s.pendingTokenCount))
            statuses.append(status)
        }
        for (wf, members) in workflowMembers {
            shareWorkflowDensity(wf, members: members, states: states, candidates: &candidates,
                                 statuses: statuses, snapshot: snapshot, tau: tau)
        }
        return candidates
    }

    /// A workflow's calls share one density: the goodput of the whole workflow over its longest
    /// remaining call (its critical path now). With top-up, when one call must run, all do —
    /// the stage ends only when its slowest call does.
    ///
    /// Only the deadline the client stated can make a workflow hopeless, and only when even its
    /// expected lengths cannot make it: the calls now running at their expected length, then each
    /// stage the analyzer expects at least one iteration. The analyzer's token count for those
    /// stages is a guess from other workflows' shapes, and their parallelism is unknown; counting
    /// it as a serial critical path wrote off most Tree-of-Thoughts workflows whose shape differed
    /// from the stored patterns (paper mix, 2 req/s, 32 slots: jitserve 1,008 tok/s with the
    /// analyzer against 1,718 with true shapes).
    private func shareWorkflowDensity(
        _ wf: WorkflowID, members: [Int], states: SnapshotRows, candidates: inout [Candidate], statuses: [SLOStatus],
        snapshot: SchedulerSnapshot, tau: Double
    ) {
        let estimate = snapshot.workflows[wf]
        var tokens = Double(estimate?.remainingFutureOutputTokens ?? 0)
        var longestExpected = 0.0
        var longestWork = 0.0
        var tightest = Double.infinity
        var anyUrgent = false
        for i in members {
            let c = candidates[i]
            tokens += Double(states[c.index].generatedTokenCount) + statuses[i].remainingExpectedTokens
            longestExpected = max(longestExpected, statuses[i].expectedIterationsToFinish)
            longestWork = max(longestWork, statuses[i].remainingWorkTokens)
            tightest = min(tightest, c.laxity)
            anyUrgent = anyUrgent || c.tier == .urgent
        }
        let now = snapshot.now.seconds
        let workflowDue = states[candidates[members[0]].index].due.first
        let stagesAfter = Double(estimate?.remainingStageCount ?? 0)
        let factor = onTimeFactor((workflowDue - now) / tau / max(longestExpected + stagesAfter, 1))
        let future = Double(estimate?.remainingFutureOutputTokens ?? 0) / Double(members.count)
        let density = factor * tokens / (max(longestWork + future, 1) * tau)
        let hopeless = factor < 0.5
        for i in members {
            candidates[i].density = density
            if hopeless {
                candidates[i].tier = .hopeless
            } else if options.workflowTopUp && anyUrgent {
                candidates[i].tier = .urgent
                candidates[i].laxity = tightest
            }
        }
    }

    /// TBT guard: when iterations run longer than the tightest running stream's TBT allows,
    /// shrink the token budget and batch in proportion. Streams that can no longer keep pace
    /// do not count: shrinking the batch for them would only cost everyone throughput.
    func applyTBTGuard(_ snapshot: inout SchedulerSnapshot, candidates: [Candidate], states: SnapshotRows) {
        var tightest = Double.infinity
        for c in candidates where c.index < snapshot.running.count && c.tier != .hopeless {
            let s = states[c.index]
            if s.kind == .latency && !s.isPrefilling { tightest = min(tightest, s.due.step) }
        }
        let limit = 0.9 * tightest
        guard tightest.isFinite, snapshot.iterationSeconds > limit else { return }
        let scale = limit / snapshot.iterationSeconds
        snapshot.budget.maxBatchedTokens = max(64, Int(Double(snapshot.budget.maxBatchedTokens) * scale))
        let cap = max(1, Int(Double(snapshot.running.count) * scale))
        snapshot.budget.maxRunning = min(snapshot.budget.maxRunning, max(cap, 8))
    }
}
