import JITServeCore

extension GMAXScheduler {
    /// Every request's tier and goodput density for this iteration.
    func rank(_ states: SnapshotRows, in snapshot: SchedulerSnapshot) -> [Candidate] {
        let tracker = SLOTracker(quantile: options.quantile, refinesBounds: options.refinement)
        let tau = max(snapshot.iterationSeconds, 1e-4)
        var candidates: [Candidate] = []
        candidates.reserveCapacity(states.count)
        var statuses: [SLOStatus] = []
        statuses.reserveCapacity(candidates.capacity)
        var workflowMembers: [WorkflowID: [WorkflowMember]] = [:]
        // Places per iteration that the streams and deadline calls still able to make their SLO
        // need (`reserveWorkflowPlaces`), summed here while each row is at hand.
        var otherPaces = 0.0

        // Rows by pointer, each field read where it is used (see `standing`): a row borrowed
        // whole across a call the optimiser cannot see into is copied first, ten thousand times
        // a decision under a burst, each copy retaining the row's distribution — an atomic
        // increment on a line not yet in cache, for an object most rows' answers never read.
        for rows in [states.running, states.waiting] {
            rows.withUnsafeBufferPointer { rows in
                guard let base = rows.baseAddress else { return }
                for i in rows.indices {
                    let (candidate, status, member) = standing(of: base + i, index: candidates.count,
                                                               tracker: tracker, snapshot: snapshot, tau: tau)
                    if let member {
                        workflowMembers[member.workflow, default: []].append(member)
                    } else if candidate.tier != .hopeless {
                        otherPaces += Self.pace(kind: base[i].kind, due: base[i].due, status: status,
                                                now: snapshot.now.seconds, tau: tau)
                    }
                    candidates.append(candidate)
                    statuses.append(status)
                }
            }
        }
        // The places in the batch a workflow can expect while everyone who can still make it
        // shares them: how wide its future stages may run, unless places are reserved for it.
        let contenders = candidates.reduce(0) { $0 + ($1.tier == .hopeless ? 0 : 1) }
        let placeShare = Double(snapshot.budget.maxRunning) / Double(max(1, contenders))
        let reserved = reserveWorkflowPlaces(
            workflowMembers, otherPaces: otherPaces, candidates: candidates, statuses: statuses, snapshot: snapshot, tau: tau)
        for (wf, members) in workflowMembers {
            shareWorkflowDensity(wf, members: members, candidates: &candidates, statuses: statuses, snapshot: snapshot,
                                 tau: tau, places: max(placeShare, reserved[wf] ?? 0))
        }
        deferNewcomers(&candidates, states: states, statuses: statuses, workflowMembers: workflowMembers, snapshot: snapshot, tau: tau)
        return candidates
    }

    /// One request's tier and density before workflows share theirs and newcomers are deferred,
    /// with its status and workflow: everything `rank` needs of the row, so that it is read once.
    private func standing(
        of row: UnsafePointer<SequenceState>, index: Int, tracker: SLOTracker, snapshot: SchedulerSnapshot, tau: Double
    ) -> (Candidate, SLOStatus, WorkflowMember?) {
        let workflow = row.pointee.workflowID, generated = row.pointee.generatedTokenCount, kind = row.pointee.kind
        let member = workflow.map {
            WorkflowMember(workflow: $0, index: index, generatedTokenCount: generated, workflowDueAt: row.pointee.due.first)
        }
        let start: Start = row.pointee.holdsKV || row.pointee.isSwapped ? .started
            : (workflow.map { (snapshot.workflowServiceTokens[$0] ?? 0) > 0 } ?? false) ? .workflowStarted : .newcomer
        let arrivedAt = row.pointee.arrivedAt.seconds, id = row.pointee.id, isPrefilling = row.pointee.isPrefilling
        let sequenceLength = row.pointee.computedTokenCount + row.pointee.pendingTokenCount
        let status = tracker.status(at: row, in: snapshot)
        // Remaining generation time as DESIGN §5 counts it: every token still to compute,
        // prompt included, at one per iteration. A long prompt costs the batch its budget.
        let seconds = status.remainingWorkTokens * tau
        var tier: Tier
        var density: Double
        switch kind {
        case .latency:
            density = status.attainableTokens / seconds
            tier = status.attainableTokens <= 0 ? .hopeless
                : status.laxity < options.urgencyIterations ? .urgent : .ahead
        case .deadline, .compound:
            let allowed = (status.milestoneDueAt.seconds - snapshot.now.seconds) / tau
            let factor = onTimeFactor(allowed / status.iterationsToMilestone)
            // The conservative bound says when a call must start, not when to give up on it: one
            // whose bound no longer fits is still worth its chance of finishing in time (a
            // prompt-agnostic q0.95 bound can be several times the likely length).
            // A decoding call's slim chance is worth a place only while places are spare: with
            // the batch cap full, a call given up on hands its place to one that can make it.
            // While they are spare its chance is read with the samples spread between them: as a
            // step, a gap in a sparse tail read as a certain miss, and calls 8 tokens from their
            // end sat out a burst (8B H100 · 256 · azure-code · 1×: 313 → 328 tok/s, three
            // seeds). With the cap reached the step stays: spread there, calls kept on that
            // chance held places at 32 slots (2 and 4 req/s: 1,704 → 1,477 and 1,173 → 897).
            let isDecoding = row.pointee.holdsKV && !isPrefilling
            let hasSparePlaces = snapshot.running.count < snapshot.budget.maxRunning
            let chance = factor >= 1 ? 1 : max(factor, tracker.onTimeProbability(
                at: row, dueAt: status.milestoneDueAt, in: snapshot, spread: isDecoding && hasSparePlaces))
            density = chance * (Double(generated) + status.remainingExpectedTokens) / seconds
            let giveUp = isDecoding && hasSparePlaces ? options.decodingGiveUpProbability : options.giveUpProbability
            let margin = kind == .deadline && hasSparePlaces ? options.deadlineStartMargin * status.iterationsToMilestone : 0
            tier = chance < giveUp ? .hopeless
                : status.laxity < options.urgencyIterations + margin || (isDecoding && options.finishesStartedCalls) ? .urgent : .ahead
        }
        let candidate = Candidate(
            index: index, density: density, laxity: status.laxity, arrivedAt: arrivedAt, id: id,
            sequenceLength: sequenceLength, tier: tier, isLost: tier == .hopeless, isPrefilling: isPrefilling, start: start)
        return (candidate, status, member)
    }

    /// What workflow sharing needs of a call's row, read while the row is: reading it again
    /// through `SnapshotRows` copies it.
    struct WorkflowMember {
        var workflow: WorkflowID
        var index: Int
        var generatedTokenCount: Int
        /// The workflow's own deadline (every call carries it).
        var workflowDueAt: Double
    }

    /// A workflow's calls share one density: the goodput of the whole workflow over its longest
    /// remaining call (its critical path now). With top-up, when one call must run, all do —
    /// the stage ends only when its slowest call does. `places`: the places of the batch its
    /// future stages can expect (its headcount share, or its own width where reserved).
    private func shareWorkflowDensity(
        _ wf: WorkflowID, members: [WorkflowMember], candidates: inout [Candidate], statuses: [SLOStatus],
        snapshot: SchedulerSnapshot, tau: Double, places: Double
    ) {
        var tokens = Double(snapshot.workflows[wf]?.remainingFutureOutputTokens ?? 0)
        var longest = 0.0
        var longestWork = 0.0
        var longestExpected = 0.0
        var tightest = Double.infinity
        var anyUrgent = false, allHopeless = true, anyHopeless = false
        for member in members {
            let i = member.index, c = candidates[i]
            tokens += Double(member.generatedTokenCount) + statuses[i].remainingExpectedTokens
            longest = max(longest, statuses[i].iterationsToFinish)
            longestWork = max(longestWork, statuses[i].remainingWorkTokens)
            longestExpected = max(longestExpected, statuses[i].expectedIterationsToFinish)
            tightest = min(tightest, c.laxity)
            anyUrgent = anyUrgent || c.tier == .urgent
            allHopeless = allHopeless && c.tier == .hopeless
            anyHopeless = anyHopeless || c.tier == .hopeless
        }
        // The stage must end by its sub-deadline, and the whole workflow — this stage, then the
        // future stages — by its deadline. The future's tokens run as wide as this stage, or as
        // the workflow's share of the batch's places where that is wider (its own width where
        // places are reserved for it, `reserveWorkflowPlaces`), but no faster than their
        // critical path. Judged only as wide as this stage, a MetaGPT workflow in its one
        // planning call looked eight times as long as it is and was written off at arrival
        // with the replica half idle; judged along its critical path whatever the load, deep
        // overload pursued workflows it should write off (`bench --rps 1,2,4 --max-running 32`:
        // 1,587 → 1,200 tok/s at 2 req/s).
        // Iterations left to the stage's sub-deadline and to the workflow's own deadline.
        let now = snapshot.now.seconds
        let stageLeft = (statuses[members[0].index].milestoneDueAt.seconds - now) / tau
        let workflowLeft = (members[0].workflowDueAt - now) / tau
        let estimate = snapshot.workflows[wf]
        let futureTokens = Double(estimate?.remainingFutureOutputTokens ?? 0)
        let width = min(max(Double(members.count), places), Double(max(1, snapshot.budget.maxRunning)))
        let future = min(futureTokens / Double(members.count),
                         max(Double(estimate?.remainingCriticalPathTokens ?? 0), futureTokens / width))
        // The stage is judged as its calls are (`standing`), by their chance, not by the longest
        // call's conservative bound alone: a stage none of whose calls is given up on, and whose
        // longest call's expected length fits before the sub-deadline, counts as on time, at
        // worst at the give-up threshold. By the bound alone, a deep-research chain's first call
        // (bound 705 tokens, expected 248, 460 iterations to its sub-deadline, 73 tokens in the
        // end) wrote its workflow off at arrival, and the call waited 600 s (artifact recipe,
        // 8 req/s: 89 of 150 chains met, the oracle 136). By the calls' chance alone, deep
        // overload kept stages alive that a place-starved batch could not finish (`--max-running
        // 32` at 2 req/s: −3 % on four seeds).
        let stageFactor = onTimeFactor(stageLeft / max(longest, 1))
        let stageLikelyEnds = !anyHopeless && stageLeft >= longestExpected
        let factor = min(stageLikelyEnds ? max(stageFactor, options.giveUpProbability) : stageFactor,
                         onTimeFactor(workflowLeft / max(longest + future, 1)))
        // Lost only when even the expected lengths overrun the workflow's own deadline: the stage
        // sub-deadlines are early on purpose, and the bounds conservative.
        let isLost = onTimeFactor(workflowLeft / max(longestExpected + future, 1)) < 0.5
        // Density is goodput per place in the batch: the future counts as wide as this stage.
        let density = factor * tokens / (max(longestWork + futureTokens / Double(members.count), 1) * tau)
        let hopeless = factor < options.giveUpProbability
        for i in members.lazy.map(\.index) {
            candidates[i].density = density
            candidates[i].isLost = isLost
            if hopeless {
                candidates[i].tier = .hopeless
            } else if options.workflowTopUp && anyUrgent && !allHopeless {
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
            if states[c.index].kind == .latency && !states[c.index].isPrefilling { tightest = min(tightest, states[c.index].due.step) }
        }
        let limit = 0.9 * tightest
        guard tightest.isFinite, snapshot.iterationSeconds > limit else { return }
        let scale = limit / snapshot.iterationSeconds
        snapshot.budget.maxBatchedTokens = max(64, Int(Double(snapshot.budget.maxBatchedTokens) * scale))
        let cap = max(1, Int(Double(snapshot.running.count) * scale))
        snapshot.budget.maxRunning = min(snapshot.budget.maxRunning, max(cap, 8))
    }
}
