import JITServeCore
import Testing

@testable import JITServeLoad

/// How a replay tallies what admission control did with each call: admitted (200), shed (429,
/// and whether it said when to retry), server errors (a 5xx head or a 5xx frame in a stream).
@Suite struct ReplayLedgerTests {
    func record(_ id: Int, slo: SLO = .latency(ttft: .seconds(1), tbt: .milliseconds(100))) -> RequestRecord {
        let request = Request(
            id: RequestID(UInt64(id)), arrivedAt: Instant(seconds: 0), promptTokenCount: 10, maxOutputTokens: 5, slo: slo)
        return RequestRecord(request: request, timeline: RequestTimeline(arrivedAt: Instant(seconds: 0)))
    }

    func outcome(status: Int?, tokens: Int = 0, error: String? = nil, retryAfter: String? = nil) -> CallOutcome {
        var o = CallOutcome(sentAt: Instant(seconds: 0))
        o.status = status
        o.retryAfter = retryAfter
        o.tokenTimes = Array(repeating: Instant(seconds: 0.5), count: tokens)
        if let error { o.fail(error, "m", at: Instant(seconds: 1)) }
        return o
    }

    @Test func countsAdmittedShedAndServerErrorsApart() {
        let ledger = ReplayLedger()
        ledger.record(record(1), outcome: outcome(status: 200, tokens: 3))
        ledger.record(record(2), outcome: outcome(status: 429, error: "429", retryAfter: "2"))
        ledger.record(record(3), outcome: outcome(status: 429, error: "429"))
        ledger.record(record(4), outcome: outcome(status: 503, error: "503"))
        // Admitted, then an error frame with a 5xx code inside the stream.
        ledger.record(record(5), outcome: outcome(status: 200, tokens: 1, error: "500"))
        // No head at all: neither admitted nor shed.
        ledger.record(record(6), outcome: outcome(status: nil, error: "transport"))
        let s = ledger.snapshot
        #expect(s.admitted == 2)
        #expect(s.shed == 2)
        #expect(s.shedWithoutRetryAfter == 1)
        #expect(s.serverErrors == 2)
        #expect(s.errors["429"] == 2)
    }

    /// A 429 ends as the simulator records a call its admission control refuses: `.shed`.
    @Test func a429IsRecordedAsShedAndOtherErrorsAsRejected() {
        #expect(outcome(status: 429, error: "429", retryAfter: "2").finishReason == .shed)
        #expect(outcome(status: 503, error: "503").finishReason == .rejected)
        #expect(outcome(status: 200, tokens: 1, error: "500").finishReason == .rejected)
        #expect(outcome(status: nil, error: "transport").finishReason == .rejected)
    }

    @Test func admittedLatencyCallsWithoutATokenAreCountedOnlyForLatency() {
        let ledger = ReplayLedger()
        ledger.record(record(1), outcome: outcome(status: 200))
        ledger.record(record(2), outcome: outcome(status: 200, tokens: 2))
        ledger.record(record(3, slo: .deadline(ttlt: .seconds(5))), outcome: outcome(status: 200))
        ledger.record(record(4), outcome: outcome(status: 429, error: "429", retryAfter: "1"))
        #expect(ledger.snapshot.admittedLatencyWithoutFirstToken == 1)
    }

    @Test func aRetryAfterThatIsNotAPositiveIntegerCountsAsMissing() {
        let ledger = ReplayLedger()
        ledger.record(record(1), outcome: outcome(status: 429, error: "429", retryAfter: "0"))
        ledger.record(record(2), outcome: outcome(status: 429, error: "429", retryAfter: "soon"))
        ledger.record(record(3), outcome: outcome(status: 429, error: "429", retryAfter: "30"))
        #expect(ledger.snapshot.shedWithoutRetryAfter == 2)
    }
}
