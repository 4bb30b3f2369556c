import JITServeCore
import JITServeEngine
import Testing

@Suite struct AdmissionControlTests {
    func status(running: Int, active: Int, iteration: Double, maxRunning: Int = 8) -> AdmissionControl.Load {
        AdmissionControl.Load(
            queuedCount: active - running, iterationSeconds: iteration, maxBatchedTokens: 512, maxRunning: maxRunning)
    }

    let relaxed = SLO.latency(ttft: .seconds(10), tbt: .seconds(1))

    @Test func shedsWhenTheQueueIsFull() {
        let control = AdmissionControl(maxWaitingRequests: 4)
        #expect(throws: Never.self) {
            try control.check(slo: relaxed, promptTokenCount: 10, now: .zero,
                              load: status(running: 2, active: 5, iteration: 0.05))
        }
        do {
            try control.check(slo: relaxed, promptTokenCount: 10, now: .zero,
                              load: status(running: 2, active: 6, iteration: 0.05))
            Issue.record("a full queue was not shed")
        } catch {
            #expect(error.isShed)
            #expect((error.retryAfterSeconds ?? 0) >= 1)
        }
    }

    @Test func shedsAnSLOShorterThanThePrefill() {
        let control = AdmissionControl(maxWaitingRequests: 100)
        let busy = status(running: 1, active: 1, iteration: 0.1)
        // 3 prefill iterations of 0.1 s cannot meet a 250 ms TTFT, but can meet 400 ms.
        #expect(throws: EngineError.self) {
            try control.check(slo: .latency(ttft: .milliseconds(250), tbt: .seconds(1)), promptTokenCount: 1500,
                              now: .zero, load: busy)
        }
        #expect(throws: Never.self) {
            try control.check(slo: .latency(ttft: .milliseconds(400), tbt: .seconds(1)), promptTokenCount: 1500,
                              now: .zero, load: busy)
        }
    }

    @Test func shedsACallOfAWorkflowPastItsDeadline() {
        let control = AdmissionControl(maxWaitingRequests: 100)
        let slo = SLO.compound(CompoundSLO(
            workflowID: WorkflowID(1), stage: 2, workflowStartedAt: Instant(seconds: 10), deadline: .seconds(5)))
        let idle = status(running: 0, active: 0, iteration: 0.001)
        #expect(throws: Never.self) {
            try control.check(slo: slo, promptTokenCount: 5, now: Instant(seconds: 14), load: idle)
        }
        #expect(throws: EngineError.self) {
            try control.check(slo: slo, promptTokenCount: 5, now: Instant(seconds: 15.5), load: idle)
        }
    }

    /// A waiting stream is hopeless only once every token up to its length bound is overdue
    /// (token k due TTFT + k · TBT after arrival); a call once its deadline has passed; a
    /// workflow call never (its workflow decides).
    @Test func aMissedStartIsWhenNothingTheRequestCouldProduceWouldCount() {
        func request(_ slo: SLO) -> Request {
            Request(id: RequestID(1), arrivedAt: Instant(seconds: 100), promptTokenCount: 10, maxOutputTokens: 100, slo: slo)
        }
        let stream = request(.latency(ttft: .seconds(2), tbt: .milliseconds(100)))
        // Ten tokens: the tenth is due 2 s + 0.9 s after arrival.
        #expect(!AdmissionControl.hasMissedStart(stream, length: .exactly(10), now: Instant(seconds: 102.8)))
        #expect(AdmissionControl.hasMissedStart(stream, length: .exactly(10), now: Instant(seconds: 103)))
        #expect(AdmissionControl.hasMissedStart(stream, length: .exactly(1), now: Instant(seconds: 102.1)))
        let call = request(.deadline(ttlt: .seconds(5)))
        #expect(!AdmissionControl.hasMissedStart(call, length: .exactly(1_000), now: Instant(seconds: 104.9)))
        #expect(AdmissionControl.hasMissedStart(call, length: .exactly(1_000), now: Instant(seconds: 105.1)))
        let workflowCall = request(.compound(CompoundSLO(
            workflowID: WorkflowID(1), stage: 1, workflowStartedAt: Instant(seconds: 100), deadline: .seconds(1))))
        #expect(!AdmissionControl.hasMissedStart(workflowCall, length: .exactly(1), now: Instant(seconds: 500)))
    }
}
