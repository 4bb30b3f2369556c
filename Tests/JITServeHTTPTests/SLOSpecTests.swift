import JITServeCore
import JITServeHTTP
import Testing

@Suite struct SLOSpecTests {
    let base = SLO.latency(ttft: .milliseconds(800), tbt: .milliseconds(80))

    func noWorkflow(_ name: String) -> (WorkflowID, Instant) {
        Issue.record("unexpected workflow \(name)")
        return (WorkflowID(0), .zero)
    }

    @Test func bodyFieldsWinOverHeaders() throws {
        let body = try SLOSpec.parse(body: ["ttft_ms": 250, "kind": "latency"])
        let headers = try SLOSpec.parse(headers: { ["x-slo-ttft-ms": "900", "x-slo-tpot-ms": "40"][$0] })
        let slo = try body.filling(from: headers).resolve(default: base, workflowStart: noWorkflow)
        #expect(slo == .latency(ttft: .milliseconds(250), tbt: .milliseconds(40)))
    }

    @Test func requestWithoutSLOGetsTheDefault() throws {
        let deadline = SLO.deadline(ttlt: .seconds(5))
        #expect(try SLOSpec().resolve(default: deadline, workflowStart: noWorkflow) == deadline)
    }

    @Test func kindIsImpliedByTheFieldsGiven() throws {
        #expect(SLOSpec(deadlineMilliseconds: 100).impliedKind == .deadline)
        #expect(SLOSpec(tbtMilliseconds: 100).impliedKind == .latency)
        #expect(SLOSpec(deadlineMilliseconds: 100, workflowID: "w").impliedKind == .compound)
        #expect(try SLOSpec(deadlineMilliseconds: 1500).resolve(default: base, workflowStart: noWorkflow)
            == .deadline(ttlt: .milliseconds(1500)))
    }

    @Test func compoundCallsShareTheirWorkflowsStart() throws {
        let registry = WorkflowRegistry()
        let first = try SLOSpec(deadlineMilliseconds: 10_000, workflowID: "agent-7", stage: 0)
            .resolve(default: base) { registry.start($0, now: Instant(seconds: 3)) }
        let second = try SLOSpec(deadlineMilliseconds: 10_000, workflowID: "agent-7", stage: 1)
            .resolve(default: base) { registry.start($0, now: Instant(seconds: 9)) }
        guard case .compound(let a) = first, case .compound(let b) = second else {
            Issue.record("expected compound SLOs")
            return
        }
        #expect(a.workflowID == b.workflowID)
        #expect(b.workflowStartedAt == Instant(seconds: 3))
        #expect(b.stage == 1)
        #expect(b.dueAt == Instant(seconds: 13))
    }

    @Test func deadlineKindWithoutDeadlineIsAnError() {
        #expect(throws: HTTPError.self) {
            try SLOSpec(kind: .deadline).resolve(default: base, workflowStart: noWorkflow)
        }
        #expect(throws: HTTPError.self) {
            try SLOSpec(kind: .compound, deadlineMilliseconds: 5).resolve(default: base, workflowStart: noWorkflow)
        }
    }

    @Test(arguments: ["x-slo-ttft-ms", "x-slo-tpot-ms", "x-slo-deadline-ms"])
    func badHeaderValuesNameTheHeader(header: String) {
        for bad in ["abc", "-3", "0", "inf"] {
            do {
                _ = try SLOSpec.parse(headers: { $0 == header ? bad : nil })
                Issue.record("\(header): \(bad) was accepted")
            } catch {
                #expect(error.param == header)
                #expect(error.status == 400)
            }
        }
    }

    @Test func parsesTheDefaultSLOOption() throws {
        #expect(try SLOSpec.parseDefault("latency:ttft_ms=500,tbt_ms=50") == .latency(ttft: .milliseconds(500), tbt: .milliseconds(50)))
        #expect(try SLOSpec.parseDefault("deadline:deadline_ms=8000") == .deadline(ttlt: .seconds(8)))
        for bad in ["fast", "compound:deadline_ms=5", "deadline", "latency:ttft_ms=x", "latency:deadline_ms=5"] {
            #expect(throws: HTTPError.self, "\(bad)") { try SLOSpec.parseDefault(bad) }
        }
    }
}
