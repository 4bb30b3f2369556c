import JITServeCore
import JITServeEngine
import Testing

/// Shedding on a predicted SLO violation: requests waiting ÷ departures per second is the wait a
/// newcomer faces; past its TTFT (deadline, workflow time left) it is told to come back later.
@Suite struct AdmissionControlQueueingTests {
    let control = AdmissionControl(maxWaitingRequests: 1024, predictsQueueingDelay: true)

    /// A saturated engine (its 256 running places taken) unless `running` says otherwise.
    func load(queued: Int, departures: Double?, running: Int = 256) -> AdmissionControl.Load {
        AdmissionControl.Load(
            queuedCount: queued, runningCount: running, iterationSeconds: 0.02, maxBatchedTokens: 2048, maxRunning: 256,
            departuresPerSecond: departures)
    }

    @Test func predictedWaitIsLittlesLaw() {
        #expect(load(queued: 40, departures: 8).predictedQueueingSeconds == 5)
        #expect(load(queued: 0, departures: nil).predictedQueueingSeconds == 0)
        #expect(load(queued: 3, departures: nil).predictedQueueingSeconds == nil)
    }

    /// The default rule (`--admission basic`) leaves the predicted wait alone: a just-in-time
    /// policy may start the newcomer at once, whatever waits.
    @Test func onlyThePredictiveRuleShedsOnThePredictedWait() {
        let basic = AdmissionControl(maxWaitingRequests: 1024)
        #expect(!basic.predictsQueueingDelay)
        let slo = SLO.latency(ttft: .milliseconds(800), tbt: .milliseconds(80))
        #expect(throws: Never.self) {
            try basic.check(slo: slo, promptTokenCount: 500, now: .zero, load: load(queued: 400, departures: 8))
        }
        #expect(throws: EngineError.self) {
            try control.check(slo: slo, promptTokenCount: 500, now: .zero, load: load(queued: 400, departures: 8))
        }
    }

    @Test func shedsALatencyRequestTheQueueWouldMakeLate() {
        // 16 waiting at 8 departures/s: 2 s before it could start, past an 800 ms TTFT...
        do {
            try control.check(slo: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80)), promptTokenCount: 500,
                              now: .zero, load: load(queued: 16, departures: 8))
            Issue.record("a request 2 s of queue away from an 800 ms TTFT was admitted")
        } catch {
            #expect(error.isShed)
            #expect(error.retryAfterSeconds == 2)
        }
        // ...but not a 3 s one, nor the same request behind 4 waiting (0.5 s).
        #expect(throws: Never.self) {
            try control.check(slo: .latency(ttft: .seconds(3), tbt: .milliseconds(80)), promptTokenCount: 500,
                              now: .zero, load: load(queued: 16, departures: 8))
        }
        #expect(throws: Never.self) {
            try control.check(slo: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80)), promptTokenCount: 500,
                              now: .zero, load: load(queued: 4, departures: 8))
        }
    }

    @Test func deadlineAndWorkflowBudgetsAreTheirOwn() {
        let queue = load(queued: 80, departures: 8)  // 10 s
        #expect(throws: EngineError.self) {
            try control.check(slo: .deadline(ttlt: .seconds(9)), promptTokenCount: 100, now: .zero, load: queue)
        }
        #expect(throws: Never.self) {
            try control.check(slo: .deadline(ttlt: .seconds(12)), promptTokenCount: 100, now: .zero, load: queue)
        }
        let workflow = CompoundSLO(
            workflowID: WorkflowID(1), stage: 1, workflowStartedAt: Instant(seconds: 0), deadline: .seconds(30))
        #expect(throws: EngineError.self) {
            try control.check(slo: .compound(workflow), promptTokenCount: 100, now: Instant(seconds: 25), load: queue)
        }
        #expect(throws: Never.self) {
            try control.check(slo: .compound(workflow), promptTokenCount: 100, now: Instant(seconds: 5), load: queue)
        }
    }

    @Test func aServerWithCapacityToSpareNeverShedsOnItsQueue() {
        // Three requests running of 256 places, two momentarily queued, 0.2 departures/s over the
        // last seconds (a quiet server): 10 s by Little's law, but nothing waits for capacity.
        let quiet = load(queued: 2, departures: 0.2, running: 3)
        #expect(!quiet.isSaturated)
        #expect(quiet.predictedQueueingSeconds == 0)
        #expect(throws: Never.self) {
            try control.check(slo: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80)), promptTokenCount: 500,
                              now: .zero, load: quiet)
        }
        // More waiting than one full batch is saturation too, whatever the running count says.
        #expect(load(queued: 300, departures: 8, running: 3).isSaturated)
    }

    @Test func anUnknownRateNeverSheds() {
        #expect(throws: Never.self) {
            try control.check(slo: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80)), promptTokenCount: 500,
                              now: .zero, load: load(queued: 500, departures: nil))
        }
    }

    /// A burst onto an idle server: 256 running, 300 queued, and nothing has left yet (no rate).
    func burst(pendingPrefill: Int, running: Int = 256) -> AdmissionControl.Load {
        AdmissionControl.Load(
            queuedCount: 300, runningCount: running, iterationSeconds: 0.05, maxBatchedTokens: 2048, maxRunning: 256,
            departuresPerSecond: nil, pendingPrefillTokens: pendingPrefill)
    }

    @Test func beforeAnyDepartureTheQueuedPrefillBoundsTheWait() {
        // 300,000 prompt tokens ahead at 2,048 a 50 ms iteration: at least 147 iterations, 7.35 s.
        let full = burst(pendingPrefill: 300_000)
        #expect(abs((full.predictedQueueingSeconds ?? 0) - 7.35) < 1e-9)
        // The old rule admitted on as long as no rate was known; a 0.8 s TTFT is hopeless here...
        do {
            try control.check(slo: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80)), promptTokenCount: 500,
                              now: .zero, load: full)
            Issue.record("a request 7 s of queued prefill away from an 800 ms TTFT was admitted")
        } catch {
            #expect(error.isShed)
            #expect(error.retryAfterSeconds == 8)
        }
        // ...and so is a 5 s deadline, while a 10 s one still fits.
        #expect(throws: EngineError.self) {
            try control.check(slo: .deadline(ttlt: .seconds(5)), promptTokenCount: 100, now: .zero, load: full)
        }
        #expect(throws: Never.self) {
            try control.check(slo: .deadline(ttlt: .seconds(10)), promptTokenCount: 100, now: .zero, load: full)
        }
        // Little's law wins once a rate is known (here 300 / 100 per s = 3 s).
        var known = full
        known.departuresPerSecond = 100
        #expect(known.predictedQueueingSeconds == 3)
    }

    @Test func aSmallQueuedPrefillOrSpareCapacityStillAdmits() {
        // 4,096 tokens ahead: two iterations, 0.1 s — within an 800 ms TTFT.
        #expect(throws: Never.self) {
            try control.check(slo: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80)), promptTokenCount: 500,
                              now: .zero, load: burst(pendingPrefill: 4096))
        }
        // A quiet server (a few running, two queued, 1,000 prompt tokens pending): one iteration.
        let quiet = AdmissionControl.Load(
            queuedCount: 2, runningCount: 3, iterationSeconds: 0.05, maxBatchedTokens: 2048, maxRunning: 256,
            departuresPerSecond: 0.2, pendingPrefillTokens: 1000)
        #expect(quiet.predictedQueueingSeconds == 0.05)
    }

    @Test func aRampingBurstShedsBeforeTheRunningSetIsFull() {
        // Seconds into a burst: 100 running (of 256), 150 queued (fewer than a batch), 200,000
        // prompt tokens pending — 98 iterations, 4.9 s. The rule before counted only a full
        // running set or a batch-sized queue as saturation and admitted every request here.
        let ramp = AdmissionControl.Load(
            queuedCount: 150, runningCount: 100, iterationSeconds: 0.05, maxBatchedTokens: 2048, maxRunning: 256,
            departuresPerSecond: 0.5, pendingPrefillTokens: 200_000)
        #expect(!ramp.isSaturated)
        #expect(abs((ramp.predictedQueueingSeconds ?? 0) - 4.9) < 1e-9)
        #expect(throws: EngineError.self) {
            try control.check(slo: .latency(ttft: .milliseconds(1600), tbt: .milliseconds(160)), promptTokenCount: 500,
                              now: .zero, load: ramp)
        }
        #expect(throws: Never.self) {
            try control.check(slo: .latency(ttft: .milliseconds(6000), tbt: .milliseconds(320)), promptTokenCount: 500,
                              now: .zero, load: ramp)
        }
    }
}
