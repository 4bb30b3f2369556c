import JITServeCore
import JITServeScheduling
import Testing

@Suite struct GMAXSchedulerTests {
    let stream = SLO.latency(ttft: .seconds(1), tbt: .milliseconds(100))

    @Test func aStreamAheadOfItsPaceYieldsToANewArrivalsFirstToken() {
        // Stream 1 arrived at 0 and has 40 tokens: due by now (t=1.5) were 6; it is far ahead.
        let ahead = Snap.seq(1, arrived: 0, prompt: 100, generated: 40, slo: stream, length: 200)
        // Request 2 just arrived; its first token is due in 1 s.
        let fresh = Snap.seq(2, arrived: 1.4, prompt: 2000, slo: stream, length: 200)
        let snapshot = Snap.snapshot(running: [ahead], waiting: [fresh], now: 1.5, tokens: 2000)
        let plan = GMAXScheduler().schedule(snapshot)
        // The token budget goes to the newcomer's prefill; the stream sits out this iteration.
        #expect(Snap.ids(plan) == [2])
        // Sarathi, by contrast, decodes the stream first.
        #expect(Snap.ids(SarathiScheduler().schedule(snapshot)).first == 1)
    }

    @Test func aRequestThatCanStillMakeItsDeadlineOutranksOneThatCannot() {
        let hopeless = Snap.seq(1, arrived: 0, prompt: 100, generated: 10, slo: .deadline(ttlt: .seconds(2)), length: 500)
        let feasible = Snap.seq(2, arrived: 0.5, prompt: 100, generated: 10, slo: .deadline(ttlt: .seconds(8)), length: 150)
        // τ = 30 ms: 490 tokens need ~15 s (> 0.5 s left); 140 tokens need ~4.2 s (< 6.5 s left).
        let snapshot = Snap.snapshot(running: [hopeless, feasible], now: 1.5, maxRunning: 1)
        #expect(Snap.ids(GMAXScheduler().schedule(snapshot)) == [2])
        #expect(Snap.ids(PriorityScheduler.earliestDeadlineFirst().schedule(snapshot)) == [1])
    }

    @Test func aCallIsGivenUpOnlyWhenItIsMoreLikelyToMissThanToMakeItsDeadline() {
        // τ = 30 ms and 7 s left: 233 more tokens fit. Neither call's q0.95 bound (1,000) does.
        let deadline = SLO.deadline(ttlt: .seconds(8))
        // Nine answers in ten are 50 tokens: it finishes in time with probability 0.9.
        var likely = Snap.seq(1, arrived: 0, prompt: 100, generated: 10, slo: deadline)
        likely.length = LengthDistribution(samples: Array(repeating: 50, count: 9) + [1000])
        // Nine in ten are 1,000 tokens: probability 0.1.
        var unlikely = Snap.seq(2, arrived: 0, prompt: 100, generated: 10, slo: deadline)
        unlikely.length = LengthDistribution(samples: [50] + Array(repeating: 1000, count: 9))
        let patient = Snap.seq(3, arrived: 0, prompt: 100, generated: 10, slo: .deadline(ttlt: .seconds(20)), length: 300)
        let snapshot = Snap.snapshot(running: [likely, unlikely, patient], now: 1, maxRunning: 1)
        // One place for three holders: a decoding call is given up on as any call is (below
        // 0.5). Decoding calls here yield while ahead, as calls not yet decoding do
        // (`GMAXStartedWorkTests` holds decoding calls to their own rules).
        var options = GMAXScheduler.Options()
        options.finishesStartedCalls = false
        let gmax = GMAXScheduler(options: options)
        let tiers = Dictionary(uniqueKeysWithValues: gmax.standings(snapshot).map { ($0.id.rawValue, $0.tier) })
        #expect(tiers[1] == .urgent)
        #expect(tiers[2] == .hopeless)
        #expect(tiers[3] == .ahead)
        // Behind its bound, the likely call runs now; given up on, it would have yielded to 3.
        #expect(Snap.ids(gmax.schedule(snapshot)) == [1])
    }

    @Test func workflowTopUpPullsInEveryCallOfAnUrgentStage() {
        let wf = WorkflowID(3)
        let compound = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(60)))
        // The stage's sub-deadline is 3 s away; the long call needs ~3 s, the short one 0.6 s.
        let long = Snap.seq(1, prompt: 100, generated: 1, slo: compound, length: 101)
        let short = Snap.seq(2, prompt: 100, generated: 1, slo: compound, length: 21)
        let others = (10..<14).map { Snap.seq(UInt64($0), prompt: 100, generated: 1, slo: .deadline(ttlt: .seconds(5)), length: 60) }
        let estimate = WorkflowEstimate(remainingStageCount: 2, remainingFutureOutputTokens: 400, currentStageDueAt: Instant(seconds: 4))
        let snapshot = Snap.snapshot(running: [long, short] + others, now: 1, maxRunning: 4, workflows: [wf: estimate])
        let withTopUp = Snap.ids(GMAXScheduler().schedule(snapshot))
        #expect(withTopUp.contains(1) && withTopUp.contains(2))
        // Without top-up (and with decoding calls yielding when ahead, so that only the stage
        // pulls the short call in), the short call waits.
        var options = GMAXScheduler.Options()
        options.workflowTopUp = false
        options.finishesStartedCalls = false
        let without = Snap.ids(GMAXScheduler(options: options).schedule(snapshot))
        #expect(without.contains(1) && !without.contains(2))
    }

    @Test func aWorkflowFanningOutLaterIsJudgedByItsCriticalPath() {
        // MetaGPT's shape: one planning call now, then six stages of eight 250-token calls.
        // τ = 30 ms and 59 s left: 1,966 iterations. The call needs ~199, the future's critical
        // path 6 × 250 = 1,500; its 12,000 tokens one after another would need six times that.
        let wf = WorkflowID(5)
        let compound = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(60)))
        let planning = Snap.seq(1, prompt: 100, generated: 1, slo: compound, length: 200)
        func tier(criticalPath: Int?, maxRunning: Int = 256) -> GMAXScheduler.Standing.Tier? {
            let estimate = WorkflowEstimate(remainingStageCount: 6, remainingFutureOutputTokens: 12_000,
                                            remainingCriticalPathTokens: criticalPath, currentStageDueAt: Instant(seconds: 10))
            let snapshot = Snap.snapshot(running: [planning], now: 1, maxRunning: maxRunning, workflows: [wf: estimate])
            return GMAXScheduler().standings(snapshot).first?.tier
        }
        #expect(tier(criticalPath: 1_500) != .hopeless)
        // The same tokens in a chain of calls cannot make it: given up on.
        #expect(tier(criticalPath: nil) == .hopeless)
        // Nor can the fan-out with four places in the batch: 12,000 tokens need 3,000 iterations.
        #expect(tier(criticalPath: 1_500, maxRunning: 4) == .hopeless)
    }

    @Test func aWorkflowStageIsJudgedByItsCallsChanceNotByTheirBound() {
        // τ = 30 ms and 7 s to the stage's sub-deadline: 232 tokens fit after the prefill. The
        // call's q0.95 bound (1,000) does not; the workflow's own deadline is far off.
        let wf = WorkflowID(7)
        let compound = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(60)))
        let estimate = WorkflowEstimate(remainingStageCount: 2, remainingFutureOutputTokens: 400,
                                        remainingCriticalPathTokens: 200, currentStageDueAt: Instant(seconds: 8))
        func tier(_ samples: [Int]) -> GMAXScheduler.Standing.Tier? {
            let call = Snap.seq(1, prompt: 100, slo: compound, distribution: LengthDistribution(samples: samples))
            return Snap.standing(of: 1, in: Snap.snapshot(waiting: [call], now: 1, workflows: [wf: estimate]))?.tier
        }
        // Nine answers in ten are 50 tokens: the stage ends in time with probability 0.9 and its
        // expected length (145) fits, so the workflow is pursued (late by its bound: urgent)
        // instead of written off by the bound.
        #expect(tier(Array(repeating: 50, count: 9) + [1000]) == .urgent)
        // Nine in ten are 1,000 tokens: the call is given up on, and with it the stage.
        #expect(tier([50] + Array(repeating: 1000, count: 9)) == .hopeless)
        // Six in ten are 50 tokens: the call keeps its chance (0.6), but its expected length (430)
        // does not fit the 233 iterations left, so the stage is judged by the bound: given up on.
        #expect(tier(Array(repeating: 50, count: 6) + Array(repeating: 1000, count: 4)) == .hopeless)
    }

    @Test func placesAreReservedForAWorkflowThatFitsWhatOthersLeave() {
        // The MetaGPT shape above on 64 places, behind 100 waiting deadline calls: by headcount
        // its share is 64 / 101 places, so its 12,000 future tokens would run one at a time.
        let wf = WorkflowID(5)
        let compound = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(60)))
        let planning = Snap.seq(1, prompt: 100, generated: 1, slo: compound, length: 200)
        let estimate = WorkflowEstimate(remainingStageCount: 6, remainingFutureOutputTokens: 12_000,
                                        remainingCriticalPathTokens: 1_500, currentStageDueAt: Instant(seconds: 10))
        func tier(deadline: Duration, reservation: Bool = true) -> GMAXScheduler.Standing.Tier? {
            let calls = (10..<110).map { Snap.seq(UInt64($0), arrived: 0.9, prompt: 100, slo: .deadline(ttlt: deadline), length: 60) }
            let snapshot = Snap.snapshot(running: [planning], waiting: calls, now: 1, maxRunning: 64, workflows: [wf: estimate])
            var options = GMAXScheduler.Options()
            options.workflowReservation = reservation
            return GMAXScheduler(options: options).standings(snapshot).first { $0.id.rawValue == 1 }?.tier
        }
        // Calls due in 100 s need a place every ~50th iteration: the workflow's ~7 places fit
        // in what they leave, and it runs as wide as it is (8), along its critical path.
        #expect(tier(deadline: .seconds(100)) != .hopeless)
        #expect(tier(deadline: .seconds(100), reservation: false) == .hopeless)
        // Due in 3 s, each needs ~0.6 of a place every iteration: together more than the 57.6
        // places there are, so nothing is left to reserve and the workflow is given up on.
        #expect(tier(deadline: .seconds(3)) == .hopeless)
    }

    @Test func tbtGuardShrinksTheTokenBudgetWhenIterationsRunLong() {
        let tight = Snap.seq(1, prompt: 100, generated: 5, slo: .latency(ttft: .seconds(1), tbt: .milliseconds(50)), length: 100)
        let big = Snap.seq(2, arrived: 0.9, prompt: 4000, slo: .deadline(ttlt: .seconds(30)), length: 100)
        var snapshot = Snap.snapshot(running: [tight], waiting: [big], now: 1, tokens: 2048)
        snapshot.iterationSeconds = 0.09
        let guarded = GMAXScheduler().schedule(snapshot)
        var options = GMAXScheduler.Options()
        options.tbtGuard = false
        let unguarded = GMAXScheduler(options: options).schedule(snapshot)
        #expect(guarded.tokenCount < unguarded.tokenCount)
        #expect(guarded.tokenCount <= Int(2048 * 0.9 * 0.05 / 0.09) + 1)
    }

    @Test func anUnprefilledPromptCountsAsRemainingWork() {
        // Both due at t = 3.1 with 50 output tokens to go, both urgent at t = 1.5 (τ = 30 ms:
        // one prefill iteration + 50 decodes ≈ 1.53 s of the 1.6 s left). Equal goodput, but
        // the first still has 1,500 prompt tokens to compute and the second 100: the second is
        // the denser claim on the token budget, though it arrived later.
        let long = Snap.seq(1, arrived: 0, prompt: 1500, slo: .deadline(ttlt: .milliseconds(3100)), length: 50)
        let short = Snap.seq(2, arrived: 0.1, prompt: 100, slo: .deadline(ttlt: .seconds(3)), length: 50)
        let snapshot = Snap.snapshot(waiting: [long, short], now: 1.5, maxRunning: 1)
        #expect(Snap.ids(GMAXScheduler().schedule(snapshot)) == [2])
        let status = SLOTracker().status(of: long, in: snapshot)
        #expect(status.remainingWorkTokens == 1499 + 50 && status.iterationsToFinish == 1 + 50)
    }

    /// Six streams all well ahead of pace, lengths alternating short (odd ids) and long.
    var alternatingLengths: [SequenceState] {
        (1...6).map { i in
            Snap.seq(UInt64(i), arrived: 0, prompt: i.isMultiple(of: 2) ? 3000 : 100, generated: 30, slo: stream, length: 400)
        }
    }

    @Test func groupingPrefersABatchOfSimilarLengths() {
        let snapshot = Snap.snapshot(running: alternatingLengths, now: 1, maxRunning: 3)
        let grouped = Set(Snap.ids(GMAXScheduler().schedule(snapshot)))
        #expect(grouped == [1, 3, 5] || grouped == [2, 4, 6])
    }

    @Test func groupingChoosesAmongWhatTheTokenBudgetAdmits() {
        // The batch cap (256) is no limit here; a 3-token budget admits three decodes, so the
        // window is 3 wide. Without grouping the first three in serving order (1, 2, 3) run.
        let snapshot = Snap.snapshot(running: alternatingLengths, now: 1, tokens: 3)
        let grouped = Set(Snap.ids(GMAXScheduler().schedule(snapshot)))
        #expect(grouped == [1, 3, 5] || grouped == [2, 4, 6])
        var options = GMAXScheduler.Options()
        options.grouping = false
        #expect(Snap.ids(GMAXScheduler(options: options).schedule(snapshot)) == [1, 2, 3])
    }

    @Test func groupingNeverDropsAnUrgentRequestForSimilarLengths() {
        // Streams 1 and 2 are behind pace (6 tokens due by t = 1.5, 5 delivered): urgent, at
        // opposite ends of the length range. Streams 3–6 are far ahead and sit in between, so
        // no length-contiguous window of 3 holds both urgent ones.
        let behind = [100, 3000].enumerated().map { i, prompt in
            Snap.seq(UInt64(i + 1), arrived: 0, prompt: prompt, generated: 5, slo: stream, length: 400)
        }
        let ahead = (3...6).map { Snap.seq(UInt64($0), arrived: 0, prompt: 1000, generated: 40, slo: stream, length: 400) }
        let snapshot = Snap.snapshot(running: behind + ahead, now: 1.5, tokens: 3)
        let ids = Snap.ids(GMAXScheduler().schedule(snapshot))
        #expect(ids.count == 3 && ids.contains(1) && ids.contains(2))
    }

    @Test func refinementTightensTheBoundAsTokensArrive() {
        let d = LengthDistribution(samples: Array(stride(from: 10, through: 1000, by: 10)))
        var s = Snap.seq(1, generated: 0)
        s.length = d
        let tracker = SLOTracker()
        let snapshot = Snap.snapshot(running: [s])
        let before = tracker.status(of: s, in: snapshot).iterationsToFinish
        s.generatedTokenCount = 900
        let after = tracker.status(of: s, in: snapshot).iterationsToFinish
        #expect(after < before)
        #expect(after >= 2)  // one prefill iteration plus at least one token
    }
}
