import JITServeCore

/// Where one request stands against its SLO at the start of an iteration.
public struct SLOStatus: Sendable {
    /// The next milestone: the next token's due instant (latency), the deadline, or the
    /// workflow stage's sub-deadline (compound).
    public var milestoneDueAt: Instant
    /// Iterations the request needs (running every iteration) to reach its milestone.
    public var iterationsToMilestone: Double
    /// Iterations it needs to finish, from the conservative length bound.
    public var iterationsToFinish: Double
    /// Tokens it still needs computed — unprefilled prompt plus output to the bound: its claim
    /// on the shared token budget, where `iterationsToFinish` is its claim on the clock.
    public var remainingWorkTokens: Double
    /// Iterations it could sit out and still reach its milestone (negative: already behind).
    public var laxity: Double
    /// Output tokens still to come by expectation (the bound's share is in `iterationsToFinish`).
    public var remainingExpectedTokens: Double
    /// Iterations it needs to finish if its answer is as long as expected.
    public var expectedIterationsToFinish: Double
    /// Output tokens it can still earn if it runs every iteration from now.
    public var attainableTokens: Double
}

/// The scheduler's feedback loop (issue 3): per request, after each iteration, how far ahead of
/// or behind its SLO it is, converted from tokens to time by the measured iteration time.
/// It reads the analyzer's length distributions and never a true output length.
public struct SLOTracker: Sendable {
    /// Quantile of the conservative length bound.
    public var quantile: Double
    /// Condition the bound on tokens generated so far (off: the ablation "no refinement").
    public var refinesBounds: Bool

    public init(quantile: Double = 0.95, refinesBounds: Bool = true) {
        self.quantile = quantile
        self.refinesBounds = refinesBounds
    }

    /// Where `s` stands against its SLO at the start of this iteration.
    @inline(__always)
    public func status(of s: SequenceState, in snapshot: SchedulerSnapshot) -> SLOStatus {
        withUnsafePointer(to: s) { status(at: $0, in: snapshot) }
    }

    /// `status(of:)` of the row at `row`, read field by field where each is used. A row borrowed
    /// whole across a call the optimiser cannot see into is copied first (and its distribution
    /// retained: a cache miss on an object the answer rarely needs), ten thousand times a
    /// decision under a burst (`jitserve bench scheduler`).
    @inline(__always)
    func status(at row: UnsafePointer<SequenceState>, in snapshot: SchedulerSnapshot) -> SLOStatus {
        let tau = max(snapshot.iterationSeconds, 1e-4)
        let now = snapshot.now.seconds
        let generated = row.pointee.generatedTokenCount
        let bound: Int
        if refinesBounds {
            bound = row.pointee.outputBound(quantile: quantile)
        } else {
            // Without refinement the first bound stays, only kept above what was generated.
            bound = min(row.pointee.maxOutputTokens,
                        max(generated + 1, row.pointee.length.upperBound(quantile: quantile)))
        }
        let remainingBound = max(1, bound - generated)
        let expected = refinesBounds
            ? row.pointee.length.expectedLength(generated: generated)
            : max(Double(generated + 1), row.pointee.length.expectedLength())
        let remainingExpected = max(1, min(Double(row.pointee.maxOutputTokens), expected) - Double(generated))
        let prefillIterations = prefillIterations(of: row.pointee.pendingTokenCount, in: snapshot)
        let toFinish = prefillIterations + Double(remainingBound)

        var status = SLOStatus(
            milestoneDueAt: .zero, iterationsToMilestone: 0, iterationsToFinish: toFinish,
            remainingWorkTokens: Double(max(0, row.pointee.pendingTokenCount - 1) + remainingBound), laxity: 0,
            remainingExpectedTokens: remainingExpected, expectedIterationsToFinish: prefillIterations + remainingExpected,
            attainableTokens: 0)
        switch row.pointee.slo {
        case .latency:
            let due = row.pointee.due.dueSeconds(generated)
            let tbt = row.pointee.due.step
            let toNext = max(1, prefillIterations)
            status.milestoneDueAt = Instant(seconds: due)
            status.iterationsToMilestone = toNext
            status.laxity = (due - now) / tau - toNext
            // Tokens that will still be late while it catches up at one token per iteration.
            let deficit = now + toNext * tau - due
            let late: Double
            if deficit <= 0 {
                late = 0
            } else if tbt > tau {
                late = (deficit / (tbt - tau)).rounded(.up)
            } else {
                late = remainingExpected
            }
            status.attainableTokens = max(0, remainingExpected - late)
        case .deadline, .compound:
            let due = row.pointee.workflowID.flatMap { snapshot.workflows[$0]?.currentStageDueAt.seconds }
                ?? row.pointee.due.first
            status.milestoneDueAt = Instant(seconds: due)
            status.iterationsToMilestone = toFinish
            status.laxity = (due - now) / tau - toFinish
            status.attainableTokens = status.laxity >= 0 ? Double(generated) + remainingExpected : 0
        }
        return status
    }

    /// A deadline or workflow call's chance, by its length distribution, of producing its last
    /// token by `dueAt` if it runs every iteration from now. The bound answers "when must it
    /// start"; this answers "is it worth running at all". GMAX asks only when the bound no
    /// longer fits: otherwise the answer cannot change its decision, and it is two binary
    /// searches per request per iteration.
    @inline(__always)
    public func onTimeProbability(of s: SequenceState, dueAt: Instant, in snapshot: SchedulerSnapshot) -> Double {
        withUnsafePointer(to: s) { onTimeProbability(at: $0, dueAt: dueAt, in: snapshot, spread: false) }
    }

    /// `onTimeProbability(of:)` of the row at `row`, read as `status(at:)` reads it. `spread`:
    /// read the samples as a length spread between them (`LengthDistribution.probability`),
    /// or as a step (`onTimeProbability(of:)`; GMAX spreads only where a kept call costs no one
    /// a place).
    @inline(__always)
    func onTimeProbability(
        at row: UnsafePointer<SequenceState>, dueAt: Instant, in snapshot: SchedulerSnapshot, spread: Bool
    ) -> Double {
        let tau = max(snapshot.iterationSeconds, 1e-4)
        let prefill = prefillIterations(of: row.pointee.pendingTokenCount, in: snapshot)
        let decodeIterations = ((dueAt.seconds - snapshot.now.seconds) / tau - prefill).rounded(.down)
        let generated = row.pointee.generatedTokenCount
        guard decodeIterations >= 1 else { return 0 }  // also NaN: no time left to reason about
        if Double(generated) + decodeIterations >= Double(row.pointee.maxOutputTokens) { return 1 }
        let reachable = generated + Int(decodeIterations)
        return refinesBounds
            ? row.pointee.length.probability(atMost: reachable, generated: generated, spread: spread)
            : row.pointee.length.probability(atMost: reachable, spread: spread)
    }

    /// Prefill runs in chunks of the token budget: its iterations, not its tokens.
    @inline(__always)
    private func prefillIterations(of pending: Int, in snapshot: SchedulerSnapshot) -> Double {
        pending > 1 ? (Double(pending) / Double(max(1, snapshot.budget.maxBatchedTokens))).rounded(.up) : 0
    }
}
