import Foundation
import JITServeCore
import JITServeHTTPClient
import JITServeSimulation
import Testing

@testable import JITServeLoad

/// What a replayed call puts on the wire.
@Suite struct ReplayCallTests {
    let profile = ServerProfile(
        url: ServerURL(host: "127.0.0.1", port: 8000), model: "m", isJITServe: true, maxModelLength: 1000, apiKey: "k")

    func body(_ request: HTTPClientRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    func header(_ request: HTTPClientRequest, _ name: String) -> String? {
        request.headers.first { $0.name.lowercased() == name }?.value
    }

    @Test func replayForcingKeepsTheCapAndHidesTheLength() throws {
        let call = ReplayCall(
            request: Request(id: RequestID(1), arrivedAt: .zero, promptTokenCount: 300, maxOutputTokens: 4096,
                             slo: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80)), application: "chat"),
            outputTokenCount: 42, prompt: .text("hi \"there\"\n"))
        let replay = call.httpRequest(profile: profile, forcing: .replay)
        let json = try body(replay)
        #expect(json["max_tokens"] as? Int == 700, "the workload's cap, within the context")
        #expect(json["replay_output_tokens"] as? Int == 42)
        #expect(json["prompt"] as? String == "hi \"there\"\n")
        #expect(json["stream"] as? Bool == true)
        #expect(header(replay, "x-slo-ttft-ms") == "800" && header(replay, "x-slo-tpot-ms") == "80")
        #expect(header(replay, "x-application") == "chat" && header(replay, "authorization") == "Bearer k")
        let plain = try body(call.httpRequest(profile: profile, forcing: .maxTokens))
        #expect(plain["max_tokens"] as? Int == 42 && plain["ignore_eos"] as? Bool == true)
        #expect(plain["replay_output_tokens"] == nil)
    }

    @Test func workflowCallsCarryTheirWorkflowAndWaitForTheWholeAnswer() throws {
        let slo = CompoundSLO(workflowID: WorkflowID(3), stage: 2, workflowStartedAt: .zero, deadline: .seconds(64))
        let call = ReplayCall(
            request: Request(id: RequestID(9), arrivedAt: .zero, promptTokenCount: 5, maxOutputTokens: 10, slo: .compound(slo)),
            outputTokenCount: 4, prompt: .tokens([1, 2, 3, 4, 5]), workflowName: "run-wf3", isFinal: true)
        let request = call.httpRequest(profile: profile, forcing: .replay)
        #expect(try body(request)["prompt"] as? [Int] == [1, 2, 3, 4, 5])
        #expect(try body(request)["stream"] as? Bool == false)
        #expect(header(request, "x-workflow-id") == "run-wf3" && header(request, "x-workflow-stage") == "2")
        #expect(header(request, "x-slo-deadline-ms") == "64000" && header(request, "x-workflow-final") == "true")
    }

    @Test func scalingLengthsKeepsShapesAndCaps() throws {
        let workload = try WorkloadCatalog.make(name: "paper-mix", rps: 1, duration: .seconds(30), seed: 2)
        let scaled = workload.scalingLengths(by: 0.1)
        #expect(scaled.callCount == workload.callCount)
        for (a, b) in zip(workload.requests, scaled.requests) {
            #expect(b.request.arrivedAt == a.request.arrivedAt && b.request.slo == a.request.slo)
            #expect(b.outputTokenCount == max(1, Int((Double(a.outputTokenCount) * 0.1).rounded())))
            #expect(b.request.maxOutputTokens >= b.outputTokenCount)
        }
        for (a, b) in zip(workload.workflows, scaled.workflows) {
            #expect(a.spec.stages.map(\.calls.count) == b.spec.stages.map(\.calls.count))
        }
    }
}
