import JITServeCore
import JITServeScheduling
import Testing

/// The prefill ration of lost requests (`GMAXScheduler+Ration.swift`): while anyone can still
/// make their SLO, requests that cannot, even by their final due time, prefill on a share of the
/// token budget only.
@Suite struct GMAXRationTests {
    /// Ahead of its pace: its 41st token is due at 5 s.
    let stream = Snap.seq(1, arrived: 0, prompt: 100, generated: 40, slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100)), length: 200)
    /// 0.5 s left for a 3,000-token prompt and 500 tokens of answer at 30 ms an iteration.
    let doomed = Snap.seq(2, arrived: 0, prompt: 3000, slo: .deadline(ttlt: .seconds(2)), length: 500)

    var unrationed: GMAXScheduler.Options {
        var options = GMAXScheduler.Options()
        options.hopelessPrefillShare = nil
        return options
    }

    @Test func aHopelessPromptPrefillsOnItsShareWhileAnotherCanStillMakeItsSLO() {
        let snapshot = Snap.snapshot(running: [stream], waiting: [doomed], now: 1.5)
        #expect(Snap.standing(of: 2, in: snapshot)?.tier == .hopeless)
        #expect(Snap.standing(of: 1, in: snapshot)?.tier != .hopeless)
        // 1/16 of 2,048 tokens.
        #expect(Snap.tokens(GMAXScheduler().schedule(snapshot)) == [1: 1, 2: 128])
        // Unrationed, it takes all the stream leaves.
        #expect(Snap.tokens(GMAXScheduler(options: unrationed).schedule(snapshot)) == [1: 1, 2: 2047])
    }

    @Test func hopelessPromptsShareOneRationAndHopelessDecodesAreNotRationed() {
        let second = Snap.seq(3, arrived: 0, prompt: 3000, slo: .deadline(ttlt: .seconds(2)), length: 500)
        // Given up on too, but decoding: one token, and finishing frees its memory.
        let decoding = Snap.seq(4, arrived: 0, prompt: 100, generated: 10, slo: .deadline(ttlt: .seconds(2)), length: 500)
        let snapshot = Snap.snapshot(running: [stream, decoding], waiting: [doomed, second], now: 1.5)
        #expect(Snap.standing(of: 4, in: snapshot)?.tier == .hopeless)
        let plan = Snap.tokens(GMAXScheduler().schedule(snapshot))
        #expect(plan[1] == 1)
        #expect(plan[4] == 1)
        #expect((plan[2] ?? 0) + (plan[3] ?? 0) == 128)
    }

    @Test func aWorkflowLateOnlyForItsStageIsNotRationed() {
        let wf = WorkflowID(5)
        func call(deadline: Double) -> SequenceState {
            let slo = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(deadline)))
            return Snap.seq(2, arrived: 0, prompt: 3000, slo: slo, length: 100)
        }
        // The stage's sub-deadline (1 s) has passed: given up on, by GMAX's order, either way.
        let estimate = WorkflowEstimate(remainingStageCount: 1, remainingFutureOutputTokens: 0, currentStageDueAt: Instant(seconds: 1))
        let reachable = Snap.snapshot(running: [stream], waiting: [call(deadline: 60)], now: 1.5, workflows: [wf: estimate])
        let lost = Snap.snapshot(running: [stream], waiting: [call(deadline: 3)], now: 1.5, workflows: [wf: estimate])
        #expect(Snap.standing(of: 2, in: reachable)?.tier == .hopeless)
        #expect(Snap.standing(of: 2, in: lost)?.tier == .hopeless)
        // 58.5 s are left for ~100 iterations of expected work: the workflow can still make it.
        #expect(Snap.tokens(GMAXScheduler().schedule(reachable)) == [1: 1, 2: 2047])
        // 1.5 s (50 iterations) are not: even its expected length overruns the workflow's deadline.
        #expect(Snap.tokens(GMAXScheduler().schedule(lost)) == [1: 1, 2: 128])
    }

    @Test func whenNobodyCanMakeTheirSLOBestEffortTakesTheWholeBudget() {
        let snapshot = Snap.snapshot(waiting: [doomed], now: 1.5)
        #expect(Snap.tokens(GMAXScheduler().schedule(snapshot)) == [2: 2048])
    }
}
