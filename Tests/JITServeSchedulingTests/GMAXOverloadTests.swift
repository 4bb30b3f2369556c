import JITServeCore
import JITServeScheduling
import Testing

/// The mechanisms that keep GMAX's edge when slots are scarce and estimates imprecise (issue 10),
/// each decided on a hand-built snapshot. τ = 30 ms throughout (`Snap.snapshot`).
@Suite struct GMAXOverloadTests {
    @Test func requestsAheadOfTheirMilestoneAreServedDensestFirst() {
        // Both deadline requests are far from due (laxity ≫ 8 iterations). The first has the
        // least laxity but 400 tokens to go of 500; the second only 20 of 200: ten times the
        // goodput per second of work. Least laxity first would spread the slot over everything
        // that is ahead and finish nothing under overload; density first finishes the second.
        let far = Snap.seq(1, arrived: 0, prompt: 100, generated: 100, slo: .deadline(ttlt: .seconds(20)), length: 500)
        let nearlyDone = Snap.seq(2, arrived: 0, prompt: 100, generated: 180, slo: .deadline(ttlt: .seconds(60)), length: 200)
        let snapshot = Snap.snapshot(running: [far, nearlyDone], now: 1, maxRunning: 1)
        #expect(Snap.ids(GMAXScheduler().schedule(snapshot)) == [2])
    }

    @Test func aRequestIsWrittenOffOnlyWhenItsExpectedLengthCannotMakeIt() {
        // Mostly short answers with a long tail: the 0.95 bound (3,000 tokens, 90 s) misses the
        // 30 s deadline, the expectation (652 tokens, 20 s) makes it. It must still be served —
        // before a request that is merely ahead — not written off as hopeless.
        var tailed = Snap.seq(1, arrived: 0.9, prompt: 100, slo: .deadline(ttlt: .seconds(30)))
        tailed.length = LengthDistribution(samples: [50, 60, 70, 80, 3000])
        let relaxed = Snap.seq(2, arrived: 0.9, prompt: 100, slo: .deadline(ttlt: .seconds(300)), length: 100)
        let snapshot = Snap.snapshot(waiting: [tailed, relaxed], now: 1, maxRunning: 1)
        #expect(Snap.ids(GMAXScheduler().schedule(snapshot)) == [1])
        // One that even its expectation cannot save yields to the feasible one.
        var doomed = Snap.seq(3, arrived: 0.9, prompt: 100, slo: .deadline(ttlt: .seconds(5)))
        doomed.length = LengthDistribution(samples: [500, 600, 700])
        let pair = Snap.snapshot(waiting: [doomed, relaxed], now: 1, maxRunning: 1)
        #expect(Snap.ids(GMAXScheduler().schedule(pair)) == [2])
    }

    @Test func aWorkflowPastItsGuessedStageShareIsBehindNotHopeless() {
        let wf = WorkflowID(5)
        let call = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(120)))
        // The analyzer guessed this stage should end at t = 2 s; it is t = 3 s. The workflow has
        // 117 s left for this call's 100 tokens (3 s) and two more stages: it can still make it.
        let late = Snap.seq(1, arrived: 0, prompt: 100, generated: 1, slo: call, length: 101)
        let estimate = WorkflowEstimate(remainingStageCount: 2, remainingFutureOutputTokens: 20_000, currentStageDueAt: Instant(seconds: 2))
        let ahead = Snap.seq(2, arrived: 0, prompt: 100, generated: 1, slo: .deadline(ttlt: .seconds(300)), length: 50)
        let snapshot = Snap.snapshot(running: [ahead, late], now: 3, maxRunning: 1, workflows: [wf: estimate])
        #expect(Snap.ids(GMAXScheduler().schedule(snapshot)) == [1])
    }

    @Test func aWorkflowThatCannotFinishEvenOptimisticallyIsHopeless() {
        let wf = WorkflowID(6)
        let call = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(5)))
        // 2 s left, the running call alone needs 500 tokens (15 s): written off, whatever the
        // analyzer says about the rest.
        let doomed = Snap.seq(1, arrived: 0, prompt: 100, generated: 1, slo: call, length: 501)
        let estimate = WorkflowEstimate(remainingStageCount: 0, remainingFutureOutputTokens: 0, currentStageDueAt: Instant(seconds: 5))
        let ahead = Snap.seq(2, arrived: 0, prompt: 100, generated: 1, slo: .deadline(ttlt: .seconds(300)), length: 50)
        let snapshot = Snap.snapshot(running: [doomed, ahead], now: 3, maxRunning: 1, workflows: [wf: estimate])
        #expect(Snap.ids(GMAXScheduler().schedule(snapshot)) == [2])
    }
}
