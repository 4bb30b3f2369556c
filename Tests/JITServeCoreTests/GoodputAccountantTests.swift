import JITServeCore
import Testing

/// Builds a finished record whose tokens were delivered at the given instants.
private func record(
    _ id: UInt64, slo: SLO, arrivedAt: Double = 0, deliveries: [Double],
    finishedAt: Double? = nil, reason: FinishReason? = .stop, preemptions: Int = 0
) -> RequestRecord {
    let request = Request(
        id: RequestID(id), arrivedAt: Instant(seconds: arrivedAt), promptTokenCount: 10,
        maxOutputTokens: 100, slo: slo)
    var timeline = RequestTimeline(arrivedAt: Instant(seconds: arrivedAt))
    timeline.tokenDeliveredAt = deliveries.map { Instant(seconds: $0) }
    timeline.finishedAt = (finishedAt ?? deliveries.last).map { Instant(seconds: $0) }
    timeline.finishReason = reason
    timeline.preemptionCount = preemptions
    return RequestRecord(request: request, timeline: timeline)
}

@Suite struct GoodputAccountantTests {
    let stream = SLO.latency(ttft: .milliseconds(500), tbt: .milliseconds(100))

    @Test func latencyTokenExactlyAtItsDueTimeCounts() {
        // Due at 0.5, 0.6, 0.7 (computed in floating point, as the accountant does).
        let r = record(1, slo: stream, deliveries: [0.5, 0.5 + 0.1, 0.5 + 2 * 0.1])
        #expect(GoodputAccountant.goodTokenCount(r) == 3)
        #expect(GoodputAccountant.metInFull(r))
    }

    @Test func lateLatencyTokensDoNotCountButOnTimeOnesDo() {
        let r = record(1, slo: stream, deliveries: [0.4, 0.61, 0.65, 0.9])
        // Token 1 due 0.6 (late at 0.61); token 2 due 0.7 (on time); token 3 due 0.8 (late).
        #expect(GoodputAccountant.goodTokenCount(r) == 2)
        #expect(!GoodputAccountant.metInFull(r))
    }

    @Test func preemptedRequestKeepsItsTimelineAndCountsOnTimeTokens() {
        // Preempted after two tokens; resumed late: the first two still count.
        let r = record(1, slo: stream, deliveries: [0.3, 0.5, 3.0, 3.1], preemptions: 1)
        #expect(GoodputAccountant.goodTokenCount(r) == 2)
        let report = GoodputAccountant.report(records: [r], workflowCallCounts: [:], duration: .seconds(10))
        #expect(report.overall.preemptions == 1)
        #expect(report.overall.goodTokens == 2)
        #expect(report.overall.unitsMet == 0)
    }

    @Test func deadlineRequestCountsAllOrNothing() {
        let slo = SLO.deadline(ttlt: .seconds(2))
        let onTime = record(1, slo: slo, deliveries: [1.0, 1.5, 2.0])
        let late = record(2, slo: slo, deliveries: [1.0, 1.5, 2.01])
        #expect(GoodputAccountant.goodTokenCount(onTime) == 3)
        #expect(GoodputAccountant.goodTokenCount(late) == 0)
    }

    @Test func cancelledRequestNeverMeetsItsSLO() {
        let r = record(1, slo: .deadline(ttlt: .seconds(5)), deliveries: [0.1], reason: .cancelled)
        #expect(GoodputAccountant.goodTokenCount(r) == 0)
        #expect(!GoodputAccountant.metInFull(r))
    }

    @Test func workflowWithOneLateCallEarnsNothing() {
        let wf = WorkflowID(7)
        let slo = { (stage: Int) in
            SLO.compound(CompoundSLO(workflowID: wf, stage: stage, workflowStartedAt: .zero, deadline: .seconds(10)))
        }
        let a = record(1, slo: slo(0), deliveries: [1, 2, 3])
        let b = record(2, slo: slo(1), arrivedAt: 3, deliveries: [5, 6])
        let lateC = record(3, slo: slo(1), arrivedAt: 3, deliveries: [9, 10.5])
        let met = GoodputAccountant.report(records: [a, b], workflowCallCounts: [wf: 2], duration: .seconds(10))
        #expect(met.overall.goodTokens == 5)
        #expect(met.overall.unitsMet == 1 && met.overall.units == 1)
        let missed = GoodputAccountant.report(records: [a, b, lateC], workflowCallCounts: [wf: 3], duration: .seconds(10))
        #expect(missed.overall.goodTokens == 0)
        #expect(missed.byKind["compound"]?.sloAttainment == 0)
    }

    @Test func workflowMissingACallHasNotMetItsSLO() {
        let wf = WorkflowID(1)
        let slo = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(10)))
        let a = record(1, slo: slo, deliveries: [1])
        let report = GoodputAccountant.report(records: [a], workflowCallCounts: [wf: 2], duration: .seconds(1))
        #expect(report.overall.goodTokens == 0)
        #expect(report.overall.units == 1)
    }

    @Test func aWorkflowCountsOnceAndGoodputDividesByDuration() {
        let wf = WorkflowID(1)
        let slo = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(10)))
        let calls = [record(1, slo: slo, deliveries: [1, 2]), record(2, slo: slo, deliveries: [3])]
        let chat = record(3, slo: stream, deliveries: [0.1, 0.2])
        let report = GoodputAccountant.report(records: calls + [chat], workflowCallCounts: [wf: 2], duration: .seconds(4))
        #expect(report.overall.units == 2)
        #expect(report.overall.total == 3)
        #expect(report.overall.tokenGoodput == 5.0 / 4.0)
        #expect(report.overall.requestGoodput == 2.0 / 4.0)
        #expect(Set(report.byKind.keys) == ["compound", "latency"])
    }
}
