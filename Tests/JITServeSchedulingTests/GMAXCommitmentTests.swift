import JITServeCore
import JITServeScheduling
import Testing

/// The commitment guard (`GMAXScheduler+Commitment.swift`): newcomers wait while started work
/// already claims the batch or the KV cache, and are admitted in their own order.
@Suite struct GMAXCommitmentTests {
    let stream = SLO.latency(ttft: .seconds(1), tbt: .milliseconds(100))

    func tiers(_ snapshot: SchedulerSnapshot, _ options: GMAXScheduler.Options = .init()) -> [UInt64: GMAXScheduler.Standing.Tier] {
        Dictionary(uniqueKeysWithValues: GMAXScheduler(options: options).standings(snapshot).map { ($0.id.rawValue, $0.tier) })
    }

    var unguarded: GMAXScheduler.Options {
        var options = GMAXScheduler.Options()
        options.commitmentShare = nil
        return options
    }

    @Test func aNewcomerWaitsWhileStartedStreamsClaimTheBatch() {
        // τ = 30 ms and TBT 100 ms: each started stream needs 0.3 places an iteration; twelve
        // need 3.6, all that 0.9 of a 4-place batch offers. All are ahead of their pace.
        let started = (1...12).map { Snap.seq(UInt64($0), arrived: 0, prompt: 100, generated: 40, slo: stream, length: 200) }
        let fresh = Snap.seq(20, arrived: 1.4, prompt: 100, slo: stream, length: 200)
        let snapshot = Snap.snapshot(running: started, waiting: [fresh], now: 1.5, maxRunning: 4)
        #expect(tiers(snapshot)[20] == .deferred)
        #expect(!Snap.ids(GMAXScheduler().schedule(snapshot)).contains(20))
        // Without the guard the newcomer, closer to its first token's due time than any stream
        // to its next token's, takes a place from a stream.
        #expect(tiers(snapshot, unguarded)[20] == .ahead)
        #expect(Snap.ids(GMAXScheduler(options: unguarded).schedule(snapshot)).contains(20))
        // With one stream fewer there is room for it.
        let roomier = Snap.snapshot(running: Array(started.dropLast(2)), waiting: [fresh], now: 1.5, maxRunning: 4)
        #expect(tiers(roomier)[20] == .ahead)
    }

    @Test func aNewcomerWaitsWhileStartedWorkClaimsTheCache() {
        // One stream, far from filling the batch, will grow by 160 tokens (10 blocks) to its
        // expected length: with 12 blocks free, the newcomer's 13 (100 prompt + 100 output) do not fit.
        let started = Snap.seq(1, arrived: 0, prompt: 100, generated: 40, slo: stream, length: 200)
        let fresh = Snap.seq(2, arrived: 1.4, prompt: 100, slo: stream, length: 100)
        #expect(tiers(Snap.snapshot(running: [started], waiting: [fresh], now: 1.5, free: 12))[2] == .deferred)
        #expect(tiers(Snap.snapshot(running: [started], waiting: [fresh], now: 1.5, free: 23))[2] == .ahead)
        // Deferred is not given up on: places nobody started needs still go to it.
        #expect(Snap.ids(GMAXScheduler().schedule(Snap.snapshot(running: [started], waiting: [fresh], now: 1.5, free: 12))) == [1, 2])
    }

    @Test func aNewcomerDeferredForMemoryPrefillsOnTheRation() {
        // The started stream will claim 10 more blocks; the newcomer's 1,000-token prompt and
        // 100 tokens of answer need 69. With 60 free it waits for memory and prefills on 1/16 of
        // the budget, beside the stream; with 500 free it is admitted and prefills at once.
        let started = Snap.seq(1, arrived: 0, prompt: 100, generated: 40, slo: stream, length: 200)
        let fresh = Snap.seq(2, arrived: 1.4, prompt: 1000, slo: stream, length: 100)
        let short = Snap.snapshot(running: [started], waiting: [fresh], now: 1.5, free: 60)
        #expect(tiers(short)[2] == .deferred)
        #expect(Snap.tokens(GMAXScheduler().schedule(short)) == [1: 1, 2: 128])
        let roomy = Snap.snapshot(running: [started], waiting: [fresh], now: 1.5, free: 500)
        #expect(tiers(roomy)[2] != .deferred)
        #expect(Snap.tokens(GMAXScheduler().schedule(roomy)) == [1: 1, 2: 1000])
    }

    @Test func roomGoesFirstToNewcomersThatCanStillMakeTheirFirstToken() {
        // Room for one newcomer (13 blocks each, 20 free). Request 1's first token was due at
        // 1 s: it is late, and urgent in GMAX's order. Request 2 can still make its first token.
        let late = Snap.seq(1, arrived: 0, prompt: 100, slo: stream, length: 100)
        let onTime = Snap.seq(2, arrived: 1.4, prompt: 100, slo: stream, length: 100)
        let snapshot = Snap.snapshot(waiting: [late, onTime], now: 1.5, free: 20)
        let t = tiers(snapshot)
        #expect(t[2] != .deferred)
        #expect(t[1] == .deferred)
        #expect(tiers(snapshot, unguarded)[1] == .urgent)
    }

    @Test func aNewCallOfAServedWorkflowIsCommittedWorkButANewWorkflowWaits() {
        let wf = WorkflowID(7)
        let compound = SLO.compound(CompoundSLO(workflowID: wf, stage: 1, workflowStartedAt: .zero, deadline: .seconds(60)))
        let started = (1...12).map { Snap.seq(UInt64($0), arrived: 0, prompt: 100, generated: 40, slo: stream, length: 200) }
        let call = Snap.seq(20, arrived: 1.4, prompt: 100, slo: compound, length: 50)
        let fresh = Snap.seq(21, arrived: 1.4, prompt: 100, slo: stream, length: 200)
        let estimate = WorkflowEstimate(remainingStageCount: 1, remainingFutureOutputTokens: 0, currentStageDueAt: Instant(seconds: 30))
        var snapshot = Snap.snapshot(running: started, waiting: [call, fresh], now: 1.5, maxRunning: 4, workflows: [wf: estimate])
        // Nothing of the workflow served yet: its first call is a newcomer like any other.
        #expect(tiers(snapshot)[20] == .deferred)
        // Its earlier stage was served: the call is the same workflow's next step.
        snapshot.workflowServiceTokens = [wf: 500]
        let t = tiers(snapshot)
        #expect(t[20] != .deferred)
        #expect(t[21] == .deferred)
    }

    @Test func aWorkflowCallClaimsPlacesAgainstItsWorkflowsDeadlineNotItsStages() {
        let wf = WorkflowID(9)
        let compound = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(60)))
        // Ten streams claim 3.0 of the 3.6 places. The started call expects 45 more tokens: 0.9
        // of a place against a stage due in 1.5 s (50 iterations), 0.02 against the workflow's 60 s.
        let streams = (1...10).map { Snap.seq(UInt64($0), arrived: 0, prompt: 100, generated: 40, slo: stream, length: 200) }
        let call = Snap.seq(20, arrived: 0, prompt: 100, generated: 5, slo: compound, length: 50)
        let fresh = Snap.seq(21, arrived: 1.4, prompt: 100, slo: stream, length: 200)
        let estimate = WorkflowEstimate(remainingStageCount: 1, remainingFutureOutputTokens: 0, currentStageDueAt: Instant(seconds: 3))
        var snapshot = Snap.snapshot(running: streams + [call], waiting: [fresh], now: 1.5, maxRunning: 4, workflows: [wf: estimate])
        snapshot.workflowServiceTokens = [wf: 105]
        // Counted against the stage (3.0 + 0.9 + 0.3 > 3.6), the newcomer would be deferred.
        #expect(tiers(snapshot)[21] == .ahead)
        // One stream more and there is no room either way.
        var fuller = Snap.snapshot(running: streams + [Snap.seq(11, arrived: 0, prompt: 100, generated: 40, slo: stream, length: 200), call], waiting: [fresh], now: 1.5, maxRunning: 4,
                                   workflows: [wf: estimate])
        fuller.workflowServiceTokens = [wf: 105]
        #expect(tiers(fuller)[21] == .deferred)
    }

    /// Ten started streams claim 3.0 of the 3.6 places (τ = 30 ms, TBT 100 ms); a workflow due at
    /// 60 s has 1,950 iterations left at 1.5 s, and its call expects 45 more tokens.
    func workflowSnapshot(futureTokens: Int, callStarted: Bool) -> SchedulerSnapshot {
        let wf = WorkflowID(9)
        let compound = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(60)))
        let streams = (1...10).map { Snap.seq(UInt64($0), arrived: 0, prompt: 100, generated: 40, slo: stream, length: 200) }
        let call = callStarted
            ? Snap.seq(20, arrived: 0, prompt: 100, generated: 5, slo: compound, length: 50)
            : Snap.seq(20, arrived: 1.4, prompt: 100, slo: compound, length: 45)
        let fresh = Snap.seq(21, arrived: 1.4, prompt: 100, slo: stream, length: 200)
        let estimate = WorkflowEstimate(
            remainingStageCount: 2, remainingFutureOutputTokens: futureTokens, currentStageDueAt: Instant(seconds: 30))
        var snapshot = Snap.snapshot(running: streams + (callStarted ? [call] : []),
                                     waiting: (callStarted ? [] : [call]) + [fresh], now: 1.5, maxRunning: 4,
                                     workflows: [wf: estimate])
        if callStarted { snapshot.workflowServiceTokens = [wf: 105] }
        return snapshot
    }

    @Test func aStartedWorkflowClaimsPlacesForItsFutureStagesToo() {
        // Its call alone claims 45 / 1,950 of a place: the newcomer stream's 0.3 fits.
        #expect(tiers(workflowSnapshot(futureTokens: 0, callStarted: true))[21] == .ahead)
        // With 1,500 tokens of later stages to come, the workflow claims (45 + 1,500) / 1,950 ≈
        // 0.79 places, and the streams and it leave no room for another stream.
        #expect(tiers(workflowSnapshot(futureTokens: 1500, callStarted: true))[21] == .deferred)
    }

    @Test func aNewWorkflowIsAdmittedOnItsWholeClaimNotItsFirstCall() {
        // Both newcomers, the workflow's first call denser than the stream: light, the workflow
        // fits beside the streams; with 1,500 tokens of later stages its ~0.8 places do not fit
        // in the 0.6 left, and it waits (still able to make its deadline: not given up on).
        #expect(tiers(workflowSnapshot(futureTokens: 0, callStarted: false))[20] != .deferred)
        #expect(tiers(workflowSnapshot(futureTokens: 1500, callStarted: false))[20] == .deferred)
    }

    @Test func aStreamPreemptedByRecomputeWaitsLikeANewcomer() {
        let started = (1...12).map { Snap.seq(UInt64($0), arrived: 0, prompt: 100, generated: 40, slo: stream, length: 200) }
        // Preempted after 30 tokens: nothing computed, no KV held.
        let preempted = Snap.seq(20, arrived: 0, prompt: 100, generated: 30, computed: 0, blocks: 0, slo: stream, length: 200)
        let snapshot = Snap.snapshot(running: started, waiting: [preempted], now: 1.5, maxRunning: 4)
        #expect(tiers(snapshot)[20] == .deferred)
        #expect(tiers(snapshot, unguarded)[20] != .deferred)
    }
}
