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
            .resolve(default: base) { let e = registry.start($0, now: Instant(seconds: 3)); return (e.id, e.startedAt) }
        let second = try SLOSpec(deadlineMilliseconds: 10_000, workflowID: "agent-7", stage: 1)
            .resolve(default: base) { let e = registry.start($0, now: Instant(seconds: 9)); return (e.id, e.startedAt) }
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

    /// Found by `scripts/fuzz.sh slo-headers`: a value past Int64 nanoseconds trapped in
    /// `Duration.milliseconds` instead of being refused.
    @Test func refusesDefaultSLOsTooLargeForADuration() throws {
        let huge = "latency:ttft_ms=" + String(repeating: "2", count: 90) + "800,tbt_ms=80"
        #expect(throws: HTTPError.self) { try SLOSpec.parseDefault(huge) }
        #expect(throws: HTTPError.self) { try SLOSpec.parseDefault("deadline:deadline_ms=1e300") }
        #expect(try SLOSpec.parseDefault("deadline:deadline_ms=86400000") == .deadline(ttlt: .seconds(86_400)))
    }
}

/// How a client marks a workflow's last call, and the labels it may give its requests.
@Suite struct WorkflowFinalTests {
    @Test func finalComesFromTheBodyOrTheHeader() throws {
        let body = try SLOSpec.parse(body: .object(["kind": "compound", "workflow_id": "a", "deadline_ms": 100, "final": true]))
        #expect(try body.endsWorkflow())
        let header = try SLOSpec.parse(headers: { ["x-workflow-id": "a", "x-workflow-final": "true"][$0] })
        #expect(try header.endsWorkflow())
        let no = try SLOSpec.parse(headers: { ["x-workflow-id": "a", "x-workflow-final": "0"][$0] })
        #expect(try !no.endsWorkflow())
        // The body wins over the header.
        #expect(try !SLOSpec(workflowID: "a", isFinal: false).filling(from: header).endsWorkflow())
    }

    @Test func finalIsRefusedWhereItMeansNothing() {
        #expect(throws: HTTPError.self) { try SLOSpec(ttftMilliseconds: 100, isFinal: true).endsWorkflow() }
        #expect(throws: HTTPError.self) { try SLOSpec.parse(headers: { ["x-workflow-final": "yes"][$0] }) }
        #expect(throws: HTTPError.self) { try SLOSpec.parse(body: .object(["final": "true"])) }
    }

    @Test func aForgottenNameStartsANewWorkflow() {
        let registry = WorkflowRegistry()
        let first = registry.start("agent", now: Instant(seconds: 1))
        #expect(first.isNew && registry.count == 1)
        let again = registry.start("agent", now: Instant(seconds: 2))
        #expect(again.id == first.id && again.startedAt == Instant(seconds: 1) && !again.isNew)
        registry.forget(first.id)
        #expect(registry.count == 0)
        let renewed = registry.start("agent", now: Instant(seconds: 3))
        #expect(renewed.isNew && renewed.id != first.id && renewed.startedAt == Instant(seconds: 3))
    }

    @Test func applicationLabelsAreBounded() throws {
        let labels = ApplicationLabels(capacity: 2)
        #expect(labels.resolve("tot", fallback: "completion") == "tot")
        #expect(labels.resolve("metagpt", fallback: "completion") == "metagpt")
        #expect(labels.resolve("third", fallback: "completion") == "completion")
        #expect(labels.resolve("tot", fallback: "completion") == "tot")
        #expect(labels.resolve(nil, fallback: "chat") == "chat")
        #expect(labels.count == 2)
        #expect(throws: HTTPError.self) { try GenerationRequest.validateApplication("has space", field: "application") }
        #expect(try GenerationRequest.validateApplication("meta-gpt_2.0", field: "application") == "meta-gpt_2.0")
    }

    @Test func replayOutputTokensMustFitMaxTokens() throws {
        let ok = try GenerationRequest.parse(
            Array(#"{"prompt": "x", "max_tokens": 10, "replay_output_tokens": 4, "application": "code"}"#.utf8), endpoint: .completion)
        #expect(ok.replayOutputTokens == 4 && ok.application == "code")
        #expect(throws: HTTPError.self) {
            try GenerationRequest.parse(Array(#"{"prompt": "x", "max_tokens": 3, "replay_output_tokens": 4}"#.utf8), endpoint: .completion)
        }
    }
}
