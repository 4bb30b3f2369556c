import JITServeCore

extension SLOsServeScheduler {
    /// A request's stage SLOs now: a prefill deadline and a decode pace.
    ///
    /// - Latency: the prefill deadline is the TTFT, the pace the TBT; the next deadline is the
    ///   next token's due time.
    /// - Deadline and compound calls have one deadline (a compound call's is its stage
    ///   sub-deadline from the workflow analyzer). It becomes a pace from the length bound: the
    ///   request's critical path — its prefill iterations plus one iteration per remaining token —
    ///   is stretched evenly to the deadline, so the prefill is due after `stretch ×` its own
    ///   iterations and each token every `stretch` iterations. Stretch below 1: it cannot make it.
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
            let remaining = Double(max(1, s.outputBound(quantile: options.quantile) - s.generatedTokenCount))
            let path = prefilling ? prefillIterations + remaining - 1 : remaining
            let stretch = (finalDue - now) / (max(1, path) * tau)
            onTime = stretch >= 1
            rate = onTime ? 1 / stretch : 1
            // Overdue work is ordered by its real deadline.
            dueAt = !onTime ? finalDue : now + stretch * tau * (prefilling ? prefillIterations : 1)
        }
        let started = s.generatedTokenCount > 0 || s.computedTokenCount > 0 || s.holdsKV || s.isSwapped
            || s.preemptionCount > 0
        let standing: Standing = started ? (onTime ? .admitted : .overdue) : (onTime ? .declined : .hopeless)
        return Stage(index: index, standing: standing, dueAt: dueAt, prefillTokens: prefilling ? s.pendingTokenCount : 0,
                     decodeRate: rate, arrivedAt: s.arrivedAt.seconds, id: s.id)
    }

    /// Runs the admission DP over admitted prefills and the `candidateWindow` new requests with
    /// the earliest prefill deadlines, and promotes the new ones it admits.
    func admit(_ stages: inout [Stage], states: [SequenceState], snapshot: SchedulerSnapshot, tau: Double) {
        let window = options.candidateWindow
        guard window > 0 else { return }
        var committedRate = 0.0, committedMemory = 0
        var forced: [Int] = []
        // The new requests with the earliest deadlines, ascending: a bounded insertion list, so a
        // queue of thousands costs one pass.
        var candidates: [Int] = []
        candidates.reserveCapacity(window + 1)
        for (i, stage) in stages.enumerated() {
            switch stage.standing {
            case .admitted:
                committedMemory += memoryClaim(of: states[stage.index], budget: snapshot.budget)
                if stage.prefillTokens > 0 { forced.append(i) } else { committedRate += stage.decodeRate }
            case .declined:
                let due = stage.dueAt
                if candidates.count == window, let last = candidates.last, stages[last].dueAt <= due { continue }
                var lo = 0, hi = candidates.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if stages[candidates[mid]].dueAt <= due { lo = mid + 1 } else { hi = mid }
                }
                candidates.insert(i, at: lo)
                if candidates.count > window { candidates.removeLast() }
            case .overdue, .hopeless:
                break
            }
        }
        guard !candidates.isEmpty else { return }
        let now = snapshot.now.seconds
        let ordered = (forced + candidates).sorted { stages[$0].dueAt < stages[$1].dueAt }
        let items = ordered.map { i -> SLOAdmissionPlanner.Item in
            let stage = stages[i]
            let isAdmitted = stage.standing == .admitted
            return SLOAdmissionPlanner.Item(
                dueIterations: (stage.dueAt - now) / tau, prefillTokens: Double(stage.prefillTokens),
                decodeRate: stage.decodeRate,
                // Admitted requests' memory is already committed above.
                memoryBlocks: isAdmitted ? 0 : memoryClaim(of: states[stage.index], budget: snapshot.budget),
                isAdmitted: isAdmitted)
        }
        let capacity = SLOAdmissionPlanner.Capacity(
            tokensPerIteration: Double(max(1, snapshot.budget.maxBatchedTokens)),
            // One place stays for a prefill chunk.
            decodeSlots: Double(max(1, snapshot.budget.maxRunning - 1)),
            committedDecodeRate: committedRate,
            memoryBlocks: snapshot.budget.freeBlockCount - committedMemory)
        let admitted = SLOAdmissionPlanner(frontierWidth: options.frontierWidth).admit(items, capacity: capacity)
        for (k, i) in ordered.enumerated() where admitted[k] { stages[i].standing = .admitted }
    }

    /// KV blocks a request will still claim: its context grown by the expected remaining output
    /// (the sum of expectations tracks the total; summing conservative bounds would reserve
    /// memory that is almost never used), less what it holds.
    func memoryClaim(of s: SequenceState, budget: BatchBudget) -> Int {
        let expected = min(Double(s.maxOutputTokens), s.length.expectedLength(generated: s.generatedTokenCount))
        let finalLength = s.knownTokenCount + max(0, Int(expected.rounded(.up)) - s.generatedTokenCount)
        return max(0, budget.blocks(for: finalLength) - s.allocatedBlockCount)
    }
}
