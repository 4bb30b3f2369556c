import JITServeCore

extension SLOsServeScheduler {
    /// A request's stage SLOs now: a prefill deadline and a decode pace.
    ///
    /// - Latency: the prefill deadline is the TTFT, the pace the TBT; the next deadline is the
    ///   next token's due time.
    /// - Deadline and compound calls have one deadline (a compound call's is its stage
    ///   sub-deadline from the workflow analyzer). It becomes stage deadlines from the length
    ///   bound: while prefilling, the critical path — its prefill iterations plus one iteration
    ///   per remaining token — is stretched evenly to the deadline, so the prefill is due after
    ///   `stretch ×` its own iterations; once decoding, its tokens are paced evenly from the first
    ///   token to the deadline. `stretch` below 1 (it cannot finish even running every
    ///   iteration): it cannot make it. Its decode rate is what it needs from now, 1 / stretch.
    func stage(of s: SequenceState, index: Int, in snapshot: SchedulerSnapshot, tau: Double) -> Stage {
        let now = snapshot.now.seconds
        let budget = Double(max(1, snapshot.budget.maxBatchedTokens))
        let prefilling = s.isPrefilling
        let prefillIterations = prefilling ? max(1, (Double(s.pendingTokenCount) / budget).rounded(.up)) : 0
        let dueAt: Double, onTime: Bool, rate: Double
        switch s.slo {
        case .latency:
            dueAt = s.due.dueSeconds(s.generatedTokenCount)
            onTime = dueAt >= now + max(1, prefillIterations) * tau
            rate = min(1, tau / max(s.due.step, 1e-9))
        case .deadline, .compound:
            let finalDue = s.workflowID.flatMap { snapshot.workflows[$0]?.currentStageDueAt.seconds } ?? s.due.first
            let bound = s.outputBound(quantile: options.quantile)
            let remaining = Double(max(1, bound - s.generatedTokenCount))
            let path = prefilling ? prefillIterations + remaining - 1 : remaining
            let stretch = (finalDue - now) / (max(1, path) * tau)
            onTime = stretch >= 1
            rate = onTime ? 1 / stretch : 1
            if !onTime {
                // Overdue work is ordered by its real deadline.
                dueAt = finalDue
            } else if !prefilling, let first = s.firstTokenAt?.seconds {
                // Decoding: token k is due at first + k · pace, the pace spreading the bound over
                // the time from the first token to the deadline — fixed per-token deadlines as
                // SLOs-Serve's TPOT, so a call ahead of its pace yields and one behind goes first.
                let pace = (finalDue - first) / Double(max(1, bound - 1))
                dueAt = first + Double(s.generatedTokenCount) * pace
            } else {
                // Prefilling: the prefill is due after `stretch ×` its own iterations.
                dueAt = now + stretch * tau * (prefilling ? prefillIterations : 1)
            }
        }
        let standing: Standing = s.hasStarted ? (onTime ? .admitted : .overdue) : (onTime ? .declined : .hopeless)
        return Stage(index: index, standing: standing, dueAt: dueAt, prefillTokens: prefilling ? s.pendingTokenCount : 0,
                     decodeRate: rate, arrivedAt: s.arrivedAt.seconds, id: s.id)
    }

    /// One cheap pass over the waiting queue. Requests already served (preempted) get their
    /// stages; new ones are screened on SLO and prompt alone — a stream by its first-token
    /// deadline, a deadline or compound call by its (sub-)deadline — and only the
    /// `candidateWindow` most urgent of each kind get exact stages to be weighed. The rest wait
    /// in arrival order, so a queue of thousands costs no length-distribution lookups.
    func screen(_ waiting: [SequenceState], into stages: inout [Stage], snapshot: SchedulerSnapshot, tau: Double) -> [Screening] {
        let now = snapshot.now.seconds
        let budget = Double(max(1, snapshot.budget.maxBatchedTokens))
        let offset = snapshot.running.count
        var screening = [Screening](repeating: .declined, count: waiting.count)
        var streams = UrgentList(capacity: options.candidateWindow)
        var calls = UrgentList(capacity: options.candidateWindow)
        // Rows are read in place through a pointer, never copied: copying one retains its
        // length distribution, which would dominate this pass.
        waiting.withUnsafeBufferPointer { rows in
            for w in rows.indices {
                // Stored fields only: a computed property here copies the row.
                // Service attained, not tokens computed: a new request's cached prefix shows
                // as computed, and it has not been admitted yet.
                if rows[w].generatedTokenCount > 0 || rows[w].attainedServiceTokens > 0 || rows[w].allocatedBlockCount > 0
                    || rows[w].isSwapped || rows[w].preemptionCount > 0 {
                    stages.append(stage(of: rows[w], index: offset + w, in: snapshot, tau: tau))
                    screening[w] = .staged
                    continue
                }
                // Nothing computed yet: the whole prompt is pending.
                let earliestFirstToken = now + max(1, (Double(rows[w].promptTokenCount) / budget).rounded(.up)) * tau
                var due = rows[w].due.first
                let isStream: Bool
                switch rows[w].slo {
                case .latency:
                    isStream = true
                case .deadline:
                    isStream = false
                case .compound(let c):
                    isStream = false
                    if let estimate = snapshot.workflows[c.workflowID] { due = estimate.currentStageDueAt.seconds }
                }
                if due < earliestFirstToken {
                    screening[w] = .hopeless
                } else if isStream {
                    streams.offer(due, w)
                } else {
                    calls.offer(due, w)
                }
            }
        }
        for w in streams.rows + calls.rows {
            let stage = stage(of: waiting[w], index: offset + w, in: snapshot, tau: tau)
            if stage.standing == .hopeless {
                screening[w] = .hopeless
            } else {
                stages.append(stage)
                screening[w] = .staged
            }
        }
        return screening
    }

    /// Runs the admission DP over admitted prefills and the `candidateWindow` new requests with
    /// the earliest prefill deadlines, and promotes the new ones it admits.
    func admit(_ stages: inout [Stage], snapshot: SchedulerSnapshot, tau: Double) {
        let window = options.candidateWindow
        guard window > 0 else { return }
        func row(_ index: Int) -> SequenceState {
            index < snapshot.running.count ? snapshot.running[index] : snapshot.waiting[index - snapshot.running.count]
        }
        let decodeSlots = options.decodeSlotShare * Double(max(1, snapshot.budget.maxRunning - 1))
        shedBeyondBatchCap(&stages, decodeSlots: decodeSlots)
        var candidates = UrgentList(capacity: window)
        for (k, stage) in stages.enumerated() where stage.standing == .declined { candidates.offer(stage.dueAt, k) }
        guard !candidates.rows.isEmpty else { return }
        var committedRate = 0.0, committedMemory = 0
        var forced: [Int] = []
        for (k, stage) in stages.enumerated() where stage.standing == .admitted {
            committedMemory += row(stage.index).expectedBlockClaim(in: snapshot.budget)
            if stage.prefillTokens > 0 { forced.append(k) } else { committedRate += stage.decodeRate }
        }
        let now = snapshot.now.seconds
        let ordered = (forced + candidates.rows).sorted { stages[$0].dueAt < stages[$1].dueAt }
        let items = ordered.map { k -> SLOAdmissionPlanner.Item in
            let stage = stages[k]
            let isAdmitted = stage.standing == .admitted
            return SLOAdmissionPlanner.Item(
                dueIterations: (stage.dueAt - now) / tau, prefillTokens: Double(stage.prefillTokens),
                decodeRate: stage.decodeRate,
                // Admitted requests' memory is already committed above.
                memoryBlocks: isAdmitted ? 0 : row(stage.index).expectedBlockClaim(in: snapshot.budget),
                isAdmitted: isAdmitted)
        }
        let capacity = SLOAdmissionPlanner.Capacity(
            tokensPerIteration: Double(max(1, snapshot.budget.maxBatchedTokens)),
            decodeSlots: decodeSlots,
            committedDecodeRate: committedRate,
            memoryBlocks: snapshot.budget.freeBlockCount - committedMemory)
        let admitted = SLOAdmissionPlanner(frontierWidth: options.frontierWidth).admit(items, capacity: capacity)
        for (j, k) in ordered.enumerated() where admitted[j] { stages[k].standing = .admitted }
    }

    /// Admitted requests whose decode paces no longer fit the batch cap together lose their
    /// guarantee, latest arrival first: estimates grew, or best-effort work started and is on
    /// time. Guaranteeing more than the batch can carry would let every admitted request slip
    /// and be served most-late-first, the overload collapse admission control exists to avoid.
    func shedBeyondBatchCap(_ stages: inout [Stage], decodeSlots: Double) {
        var total = 0.0
        for stage in stages where stage.standing == .admitted { total += stage.decodeRate }
        guard total > decodeSlots + 1e-9 else { return }
        let admitted = stages.indices.filter { stages[$0].standing == .admitted }.sorted {
            stages[$0].arrivedAt != stages[$1].arrivedAt ? stages[$0].arrivedAt < stages[$1].arrivedAt : stages[$0].id < stages[$1].id
        }
        var kept = 0.0
        for k in admitted {
            if kept + stages[k].decodeRate <= decodeSlots + 1e-9 {
                kept += stages[k].decodeRate
            } else {
                stages[k].standing = .overdue
            }
        }
    }
}
