import JITServeCore
import JITServeScheduling
import Testing

/// When GMAX starts deadline work and what it owes it once started: a deadline call starts with
/// a margin while places are spare; one that is decoding runs every iteration and, while places
/// are spare, is given up on only when its chance is slim; only an urgent request preempts another.
@Suite struct GMAXStartedWorkTests {
    @Test func aDecodingCallRunsEveryIterationWhileAnUrgentPromptFillsTheBudget() {
        // 60 s to its deadline and ~95 tokens to go at 30 ms an iteration: far ahead.
        let decoding = Snap.seq(1, arrived: 0, prompt: 100, generated: 5, slo: .deadline(ttlt: .seconds(60)), length: 100)
        // A 2,048-token prompt and 100 tokens due in 3.1 s: urgent, and it takes the whole budget.
        let prompt = Snap.seq(2, arrived: 1, prompt: 2048, slo: .deadline(ttlt: .milliseconds(3100)), length: 100)
        let snapshot = Snap.snapshot(running: [decoding], waiting: [prompt], now: 1)
        #expect(Snap.standing(of: 2, in: snapshot)?.tier == .urgent)
        #expect(Snap.standing(of: 1, in: snapshot)?.tier == .urgent)
        #expect(Snap.tokens(GMAXScheduler().schedule(snapshot)) == [1: 1, 2: 2047])

        // Yielding while ahead, the decoding call starves behind the prompt.
        var yielding = GMAXScheduler.Options()
        yielding.finishesStartedCalls = false
        #expect(Snap.standing(of: 1, in: snapshot, yielding)?.tier == .ahead)
        #expect(Snap.tokens(GMAXScheduler(options: yielding).schedule(snapshot)) == [2: 2048])
    }

    @Test func aDeadlineCallStartsWithAMarginOnlyWhilePlacesAreSpare() {
        // 100 tokens to compute (a prefill iteration and 99 decodes) and 3.6 s left at 30 ms an
        // iteration: ~120 iterations, so it could sit out ~20, more than `urgencyIterations`.
        let call = Snap.seq(1, arrived: 1, prompt: 100, slo: .deadline(ttlt: .milliseconds(3600)), length: 100)
        let spare = Snap.snapshot(waiting: [call], now: 1)
        let laxity = Snap.standing(of: 1, in: spare)?.laxity ?? 0
        let options = GMAXScheduler.Options()
        #expect(laxity > options.urgencyIterations && laxity < options.urgencyIterations + options.deadlineStartMargin * 100)
        #expect(Snap.standing(of: 1, in: spare)?.tier == .urgent)
        // Just in time, it would wait.
        var justInTime = options
        justInTime.deadlineStartMargin = 0
        #expect(Snap.standing(of: 1, in: spare, justInTime)?.tier == .ahead)
        // With the batch cap reached, an early start would take a place someone needs now (the
        // commitment guard, which would defer it there anyway, off to show the tier itself).
        let stream = Snap.seq(2, arrived: 0, prompt: 10, generated: 3, length: 50)
        let full = Snap.snapshot(running: [stream], waiting: [call], now: 1, maxRunning: 1)
        var unguarded = options
        unguarded.commitmentShare = nil
        #expect(Snap.standing(of: 1, in: full, unguarded)?.tier == .ahead)
        #expect(Snap.standing(of: 1, in: spare, unguarded)?.tier == .urgent)
    }

    @Test func aDecodingCallIsGivenUpOnlyWhenItsChanceIsSlim() {
        // Three answers in ten end by token 35; the rest run to hundreds of tokens.
        let lengths = LengthDistribution(samples: [10, 20, 30, 200, 300, 400, 500, 600, 700, 800])
        // 1.05 s left at 30 ms an iteration: 35 more tokens, so ~3 in 10 finish in time.
        let slo = SLO.deadline(ttlt: .milliseconds(2050))
        let decoding = Snap.seq(1, arrived: 0, prompt: 100, generated: 5, slo: slo, distribution: lengths)
        let snapshot = Snap.snapshot(running: [decoding], now: 1)
        let chance = decoding.length.probability(atMost: 5 + 35, generated: 5)
        #expect(chance > 0.1 && chance < 0.5)
        #expect(Snap.standing(of: 1, in: snapshot)?.tier == .urgent)
        // At the threshold for calls not yet decoding, it would be given up on.
        var strict = GMAXScheduler.Options()
        strict.decodingGiveUpProbability = strict.giveUpProbability
        #expect(Snap.standing(of: 1, in: snapshot, strict)?.tier == .hopeless)
        // A call with the same chance that has not started is given up on.
        let waiting = Snap.seq(2, arrived: 0, prompt: 1, slo: slo, distribution: lengths)
        #expect(Snap.standing(of: 2, in: Snap.snapshot(waiting: [waiting], now: 1))?.tier == .hopeless)
        // With the batch cap reached, places are short: the first threshold applies again.
        let fullBatch = Snap.snapshot(running: [decoding], now: 1, maxRunning: 1)
        #expect(Snap.standing(of: 1, in: fullBatch)?.tier == .hopeless)
        // And one with three tokens of time left, short of every answer, is given up on even
        // while decoding.
        let late = Snap.seq(3, arrived: 0, prompt: 100, generated: 5, slo: .deadline(ttlt: .milliseconds(1100)), distribution: lengths)
        #expect(Snap.standing(of: 3, in: Snap.snapshot(running: [late], now: 1))?.tier == .hopeless)
    }

    @Test func aDecodingCallInASparseTailKeepsItsChanceWhilePlacesAreSpare() {
        // One answer in six runs past 100 tokens, to 140: between 100 and 140 the samples say
        // nothing. 1.05 s left at 30 ms an iteration: 35 more tokens, to 135.
        let lengths = LengthDistribution(samples: [10, 20, 30, 40, 50, 140])
        let slo = SLO.deadline(ttlt: .milliseconds(2050))
        let decoding = Snap.seq(1, arrived: 0, prompt: 100, generated: 100, slo: slo, distribution: lengths)
        // Read as a step, no sample ends by 135: a certain miss.
        #expect(decoding.length.probability(atMost: 135, generated: 100, spread: false) == 0)
        // Spread between the samples: 35 of the 40 tokens to the next one.
        #expect(abs(decoding.length.probability(atMost: 135, generated: 100) - 35.0 / 40) < 1e-12)
        // With places spare it runs on that chance: its prompt is paid for.
        #expect(Snap.standing(of: 1, in: Snap.snapshot(running: [decoding], now: 1))?.tier == .urgent)
        // With the batch cap reached, its place goes to a call that can make it: the step's reading.
        let fullBatch = Snap.snapshot(running: [decoding], now: 1, maxRunning: 1)
        #expect(Snap.standing(of: 1, in: fullBatch)?.tier == .hopeless)
    }

    /// Two streams ahead of their pace hold all of memory; the first needs a new block to go on
    /// (144 tokens computed fill its nine blocks), the second does not.
    func fullCache(firstArrivedAt: Double) -> SchedulerSnapshot {
        let stream = SLO.latency(ttft: .seconds(1), tbt: .milliseconds(100))
        let first = Snap.seq(1, arrived: firstArrivedAt, prompt: 105, generated: 40, slo: stream, length: 200)
        let second = Snap.seq(2, arrived: 0, prompt: 100, generated: 40, slo: stream, length: 200)
        return Snap.snapshot(running: [first, second], now: 1.5, free: 0)
    }

    @Test func aRequestThatCanSitOutAnIterationWaitsForMemoryRatherThanPreempt() {
        let ahead = fullCache(firstArrivedAt: -0.1)
        #expect(Snap.standing(of: 1, in: ahead)?.tier == .ahead)
        let plan = GMAXScheduler().schedule(ahead)
        #expect(plan.preempted.isEmpty)
        #expect(Snap.ids(plan) == [2])
        // Allowed to, it takes the second stream's blocks: a recompute of its whole context.
        var anyPreempts = GMAXScheduler.Options()
        anyPreempts.onlyUrgentPreempts = false
        let churn = GMAXScheduler(options: anyPreempts).schedule(ahead)
        #expect(churn.preempted.map(\.rawValue) == [2])
        #expect(Snap.ids(churn) == [1])
    }

    @Test func aLostRequestWaitsForMemoryRatherThanPreemptAnother() {
        // Both deadline calls are past their 1-s deadline; memory is full. The waiting one
        // arrived first, so it ranks above the holder among the hopeless.
        let late = SLO.deadline(ttlt: .seconds(1))
        let holder = Snap.seq(1, arrived: 5, prompt: 100, generated: 10, slo: late, length: 100)
        let waiting = Snap.seq(2, arrived: 4, prompt: 100, slo: late, length: 100)
        let snapshot = Snap.snapshot(running: [holder], waiting: [waiting], now: 10, free: 0)
        #expect(Snap.standing(of: 1, in: snapshot)?.tier == .hopeless)
        #expect(Snap.standing(of: 2, in: snapshot)?.tier == .hopeless)
        let plan = GMAXScheduler().schedule(snapshot)
        #expect(plan.preempted.isEmpty)
        #expect(Snap.ids(plan) == [1])
        // Allowed to, the waiting call takes the holder's blocks: both earn nothing, and the
        // holder's 109 tokens of context are computed again when it resumes.
        var churns = GMAXScheduler.Options()
        churns.lostWaitsForMemory = false
        let churn = GMAXScheduler(options: churns).schedule(snapshot)
        #expect(churn.preempted.map(\.rawValue) == [1])
        #expect(Snap.ids(churn) == [2])
    }

    @Test func anUrgentRequestStillPreemptsALowerRankedHolder() {
        // Its 41st token is due at 1.6 s: three iterations away.
        let urgent = fullCache(firstArrivedAt: -3.4)
        #expect(Snap.standing(of: 1, in: urgent)?.tier == .urgent)
        let plan = GMAXScheduler().schedule(urgent)
        #expect(plan.preempted.map(\.rawValue) == [2])
        #expect(Snap.ids(plan) == [1])
    }
}
