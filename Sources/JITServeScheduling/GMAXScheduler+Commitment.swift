import JITServeCore

extension GMAXScheduler {
    /// Commitment guard: a request not yet started waits while the started ones already claim
    /// the replica's decode places or its KV cache.
    ///
    /// Just in time lets a stream ahead of its pace yield to one that must run now. Under
    /// overload that is a trap: every newcomer whose time to first token runs short turns urgent
    /// and is started, and each started stream keeps claiming places at its reading pace. Once
    /// the started streams' paces add up to more than an iteration holds, every one of them
    /// falls behind, and few meet their SLO; under memory pressure, paced streams also hold
    /// their KV for longer. So the places started work needs each iteration are summed (see
    /// `pace`), and so are the KV blocks it will still claim by its expected length. A
    /// newcomer is admitted while its own pace and claim fit what is left of `commitmentShare`
    /// of the batch cap (or of the token budget, if smaller) and of the free cache; the others
    /// rank after every started request still able to make its SLO. They still take places
    /// nobody started needs, so a replica with room starts them at once, and they are not
    /// given up on: they start as the committed work ends. Memory is the exception: while the
    /// committed work's claims take the free cache, a deferred newcomer's prompt would fill
    /// blocks that started requests are about to need, and the packer would preempt one of
    /// them for it soon after (recompute: its whole context again). Their prefill then shares
    /// the lost requests' ration (`waitsForMemory`, `prefillRation`): 8B H100 · 256 ·
    /// recompute · azure-conv · 2×, 4045.9 -> 4577.7 tok/s by this alone.
    ///
    /// A newcomer is a request that holds no KV, in the cache or swapped out. A request
    /// preempted by recompute is one again: resuming it costs a prefill like starting a new one,
    /// and ranked as committed work it took the memory that freed up ahead of every newcomer
    /// (8B A100 · 256 slots · azure-conv · 2×: 1782.9 tok/s, against 1829.1 as a newcomer). A
    /// workflow is a newcomer until any of its calls has been served: its later stages arrive
    /// as new calls, but they are committed work. A workflow claims places as a whole
    /// (`workflowPaces`), its future stages included, once however many calls it has now, and a
    /// new one is admitted on that claim, not on its first call's: counted call by call, started
    /// workflows' later stages claimed nothing, a new Tree-of-Thoughts looked as light as its one
    /// planning call, and under overload the replica started more workflows than it could carry
    /// and starved their later stages (`bench --rps 4`, two seeds: 2,537 → 2,609 tok/s;
    /// `--max-running 32` at 1 / 2 / 4 req/s: 1,221 / 1,704 / 1,173 → 1,199 / 1,604 / 1,488).
    func deferNewcomers(_ candidates: inout [Candidate], states: SnapshotRows, statuses: [SLOStatus],
                        workflowMembers: [WorkflowID: [WorkflowMember]], snapshot: SchedulerSnapshot, tau: Double) {
        guard let share = options.commitmentShare else { return }
        let budget = snapshot.budget
        var places = Double(min(budget.maxRunning, budget.maxBatchedTokens)) * share
        var blocks = budget.freeBlockCount
        var newcomers: [Candidate] = []
        newcomers.reserveCapacity(candidates.count)
        let workflows = workflowPaces(workflowMembers, candidates: candidates, statuses: statuses, snapshot: snapshot, tau: tau)
        places -= workflows.committedPlaces
        for c in candidates where c.tier != .hopeless {
            if c.start == .newcomer {
                newcomers.append(Self.admissionOrder(c))
                continue
            }
            // Rows as arguments, never bound to a local: see `rank`.
            if workflows.workflow(of: c.index) == nil {
                places -= pace(of: states[c.index], status: statuses[c.index], now: snapshot.now.seconds, tau: tau)
            }
            if c.start == .started { blocks -= states[c.index].expectedBlockClaim(in: budget) }
        }
        // Only a batch's worth of newcomers can start this iteration: the best of them take
        // the room left, in admission order, and every other waits.
        var ranking = Ranking(newcomers)
        ranking.settle(places > 0 && blocks > 0 ? budget.maxRunning : 0)
        var admitted = 0
        var isMemoryBound = blocks <= 0
        for c in ranking.settled {
            let p = workflows.workflow(of: c.index).flatMap { workflows.paces[$0] }
                ?? pace(of: states[c.index], status: statuses[c.index], now: snapshot.now.seconds, tau: tau)
            let b = states[c.index].expectedBlockClaim(in: budget)
            isMemoryBound = b > blocks
            if p > places || b > blocks { break }
            places -= p
            blocks -= b
            admitted += 1
        }
        for c in ranking.candidates[admitted...] {
            candidates[c.index].tier = .deferred
            candidates[c.index].waitsForMemory = isMemoryBound
        }
    }

    /// Newcomers are admitted in their own order: those that can still make their first
    /// milestone (laxity ≥ 0) first, by density, then those already behind, by density. In
    /// GMAX's serving order one already late is urgent and one with time to spare is ahead, so
    /// room would go to the late ones and every admitted stream would start behind. Written as
    /// a candidate that `servedBefore` orders that way: urgent by density, then ahead by
    /// laxity, which here carries −density.
    static func admissionOrder(_ c: Candidate) -> Candidate {
        var c = c
        if c.laxity >= 0 {
            c.tier = .urgent
        } else {
            c.tier = .ahead
            c.laxity = -c.density
        }
        return c
    }

    /// What the guard needs of the workflows: each one's pace, the candidates that are its
    /// calls, and the places the workflows already started claim together.
    struct WorkflowPaces {
        var paces: [WorkflowID: Double] = [:]
        /// By candidate index; nil for a request outside any workflow. Empty when there are
        /// no workflows.
        var workflowOf: [WorkflowID?]
        var committedPlaces = 0.0

        /// The workflow candidate `index` is a call of.
        func workflow(of index: Int) -> WorkflowID? { workflowOf.isEmpty ? nil : workflowOf[index] }
    }

    /// Batch places per iteration each workflow needs to meet its deadline: the expected
    /// iterations its calls still need plus its future stages' expected output tokens, over the
    /// iterations left to its deadline — or, once that no longer fits, a place for each call it
    /// has now, as `pace` gives a call that is behind. Hopeless calls count for nothing. A
    /// workflow is committed work once it is no newcomer (`Start`: a call of it holds KV, or it
    /// has been served).
    func workflowPaces(_ members: [WorkflowID: [WorkflowMember]], candidates: [Candidate], statuses: [SLOStatus],
                       snapshot: SchedulerSnapshot, tau: Double) -> WorkflowPaces {
        var result = WorkflowPaces(workflowOf: Array(repeating: nil, count: members.isEmpty ? 0 : candidates.count))
        result.paces.reserveCapacity(members.count)
        for (workflow, calls) in members {
            var iterations = 0.0, count = 0, isCommitted = false
            for call in calls where candidates[call.index].tier != .hopeless {
                result.workflowOf[call.index] = workflow
                iterations += statuses[call.index].expectedIterationsToFinish
                count += 1
                isCommitted = isCommitted || candidates[call.index].start != .newcomer
            }
            guard count > 0 else { continue }
            // Against the workflow's own deadline: the analyzer sets stage sub-deadlines early on
            // purpose, so that stages start in time, and against them every parallel call of a
            // stage would claim a place nearly every iteration.
            let pace = Self.share(
                needed: iterations + Double(snapshot.workflows[workflow]?.remainingFutureOutputTokens ?? 0),
                allowed: (calls[0].workflowDueAt - snapshot.now.seconds) / tau, calls: count)
            result.paces[workflow] = pace
            if isCommitted { result.committedPlaces += pace }
        }
        return result
    }

    /// Batch places per iteration a request outside any workflow needs to keep its SLO: a
    /// stream one token per TBT, a deadline call its expected remaining iterations over those
    /// left to its deadline. Workflow calls are paced together, by `workflowPaces`.
    private func pace(of s: SequenceState, status: SLOStatus, now: Double, tau: Double) -> Double {
        Self.pace(kind: s.kind, due: s.due, status: status, now: now, tau: tau)
    }

    /// `pace(of:…)` from the row's fields, for callers that read them through a pointer.
    static func pace(kind: SLOKind, due: DueSchedule, status: SLOStatus, now: Double, tau: Double) -> Double {
        switch kind {
        case .latency:
            return due.step > tau ? tau / due.step : 1
        case .deadline, .compound:
            // By expectation, as the memory claim: summed over many requests, expectations track
            // the total, where conservative bounds would claim places that go unused.
            return share(needed: status.expectedIterationsToFinish,
                         allowed: (status.milestoneDueAt.seconds - now) / tau, calls: 1)
        }
    }

    /// Work of `needed` iterations spread over the `allowed` left, or, once it no longer fits, a
    /// place every iteration for each of its `calls`.
    static func share(needed: Double, allowed: Double, calls: Int) -> Double {
        allowed > needed ? needed / allowed : Double(calls)
    }
}
