import JITServeCore
import Testing

private func record(_ id: UInt64, slo: SLO, prompt: Int, deliveries: [Double], reason: FinishReason = .stop) -> RequestRecord {
    let request = Request(id: RequestID(id), arrivedAt: .zero, promptTokenCount: prompt, maxOutputTokens: 100, slo: slo)
    var timeline = RequestTimeline(arrivedAt: .zero)
    timeline.tokenDeliveredAt = deliveries.map { Instant(seconds: $0) }
    timeline.finishedAt = deliveries.last.map { Instant(seconds: $0) }
    timeline.finishReason = reason
    return RequestRecord(request: request, timeline: timeline)
}

@Suite struct GoodputAccountantWeightedTests {
    let stream = SLO.latency(ttft: .milliseconds(500), tbt: .milliseconds(100))

    @Test func aStreamEarnsItsPromptWhenTTFTIsMetAndEightPerOnTimeToken() {
        // Tokens due at 0.5, 0.6, 0.7: the third is late.
        let onTimeStart = record(1, slo: stream, prompt: 40, deliveries: [0.5, 0.6, 0.9])
        // First token late: no prompt credit, but token 1 (due 0.6) is on time.
        let lateStart = record(2, slo: stream, prompt: 40, deliveries: [0.55, 0.6])
        let v = GoodputAccountant.weightedTokenGoodput(records: [onTimeStart, lateStart], workflowCallCounts: [:], duration: .seconds(2))
        let expected: Double = (40 + 8 * 2 + 8 * 1) / 2
        #expect(v == expected)
    }

    @Test func deadlineAndWorkflowsAreAllOrNothingPromptIncluded() {
        let deadline = SLO.deadline(ttlt: .seconds(1))
        let met = record(1, slo: deadline, prompt: 100, deliveries: [0.2, 0.9])
        let missed = record(2, slo: deadline, prompt: 100, deliveries: [0.2, 1.1])
        let wf = WorkflowID(7)
        let call = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(2)))
        let a = record(3, slo: call, prompt: 10, deliveries: [1.0])
        let b = record(4, slo: call, prompt: 20, deliveries: [1.5, 1.9])
        let whole = GoodputAccountant.weightedTokenGoodput(records: [met, missed, a, b], workflowCallCounts: [wf: 2], duration: .seconds(1))
        let expected: Double = 100 + 8 * 2 + (10 + 8) + (20 + 16)
        #expect(whole == expected)
        // A workflow with a call missing (never released) earns nothing.
        let partial = GoodputAccountant.weightedTokenGoodput(records: [a, b], workflowCallCounts: [wf: 3], duration: .seconds(1))
        #expect(partial == 0)
    }

    @Test func theWeightsAreParameters() {
        let r = record(1, slo: .deadline(ttlt: .seconds(1)), prompt: 10, deliveries: [0.5])
        #expect(GoodputAccountant.weightedTokenGoodput(records: [r], workflowCallCounts: [:], duration: .seconds(1),
                                                       prefillWeight: 0, decodeWeight: 1) == 1)
    }
}
