import Foundation
import JITServeCore
import JITServeHTTPClient
import JITServeLoad
import JITServeSimulation
import Testing

@testable import jitserve

/// `bench live`'s accounting, measured on the client against a served simulated GPU.
@Suite(.serialized) struct BenchLiveTests {
    /// Replays `workload` against `served` and returns the result.
    func replay(_ workload: Workload, on served: ServedJITServe) async throws -> (LiveReplayResult, LiveReplay) {
        let profile = try await ServerProfile.discover(url: served.url, client: served.client)
        let tokenizer = await ServerTokenizer.probe(profile: profile, client: served.client)
        let prompts = try await PromptFactory.make(
            texts: try PaperMixSources.bundled().chatPrompts.prefix(40).map(\.text), tokenizer: tokenizer)
        let replay = LiveReplay(
            workload: workload, profile: profile, client: served.client, prompts: prompts,
            options: .init(drain: .seconds(60), runTag: "test-\(UUID().uuidString.prefix(8))"))
        let result = await replay.run(prepared: try await replay.preparePrompts())
        return (result, replay)
    }

    func request(_ id: UInt64, at: Double, prompt: Int, output: Int, slo: SLO, text: String? = nil) -> TracedRequest {
        TracedRequest(
            request: Request(
                id: RequestID(id), arrivedAt: Instant(seconds: at), promptTokenCount: prompt, promptText: text,
                maxOutputTokens: 4096, slo: slo, application: "test"),
            outputTokenCount: output)
    }

    @Test func aTinyRunIsAccountedCallByCall() async throws {
        let served = try await ServedJITServe.start(["--executor", "sim", "--scheduler", "vllm"])
        let workflow = WorkflowSpec(id: WorkflowID(1), application: "agent", stages: [
            .init(calls: [.init(promptTokenCount: 100, outputTokenCount: 10), .init(promptTokenCount: 120, outputTokenCount: 15)]),
            .init(calls: [.init(promptTokenCount: 300, outputTokenCount: 5)]),
        ])
        let workload = Workload(
            name: "tiny",
            requests: [
                request(1, at: 0, prompt: 200, output: 20, slo: .latency(ttft: .seconds(2), tbt: .milliseconds(200)),
                        text: "Tell me about the history of the printing press in Europe."),
                // A pace no GPU keeps: token k is due by 1 s + k·10 µs, and 300 decode steps of
                // the simulated GPU take well over a second, so early tokens count and late ones not.
                request(2, at: 0.1, prompt: 200, output: 300, slo: .latency(ttft: .seconds(1), tbt: .microseconds(10))),
                request(3, at: 0.2, prompt: 500, output: 30, slo: .deadline(ttlt: .seconds(5))),
            ],
            workflows: [TracedWorkflow(spec: workflow, arrivedAt: Instant(seconds: 0.3), deadline: .seconds(20), tier: 1)],
            duration: .seconds(2))
        let (result, _) = try await replay(workload, on: served)
        await served.stop()

        #expect(result.errorsByClass.isEmpty, "\(result.firstErrors)")
        #expect(result.records.count == 6 && result.unsentCount == 0 && result.unfinishedCount == 0)
        let byID = Dictionary(uniqueKeysWithValues: result.records.map { ($0.request.id, $0) })
        // Every call produced exactly its trace length, and its prompt the trace's length.
        #expect(byID[RequestID(1)]?.timeline.outputTokenCount == 20)
        #expect(byID[RequestID(3)]?.timeline.outputTokenCount == 30)
        let calls = result.records.filter { $0.request.kind == .compound }.sorted { $0.request.id < $1.request.id }
        #expect(calls.map(\.timeline.outputTokenCount) == [10, 15, 5])
        // The second stage went out only after both calls of the first had answered.
        let firstStageDone = calls.prefix(2).compactMap(\.timeline.finishedAt).max()!
        #expect(calls[2].timeline.arrivedAt >= firstStageDone)
        // Streamed tokens arrive one by one; whole answers at once.
        let streamed = byID[RequestID(1)]!.timeline.tokenDeliveredAt
        #expect(Set(streamed).count > 10)
        #expect(Set(byID[RequestID(3)]!.timeline.tokenDeliveredAt).count == 1)

        let verdicts = GoodputAccountant.verdicts(records: result.records, workflowCallCounts: result.workflowCallCounts)
        let verdict = Dictionary(uniqueKeysWithValues: zip(result.records.map(\.request.id), verdicts))
        #expect(verdict[RequestID(1)]?.isMet == true && verdict[RequestID(1)]?.goodTokenCount == 20)
        #expect(verdict[RequestID(2)]?.isMet == false)
        #expect((1..<300).contains(verdict[RequestID(2)]?.goodTokenCount ?? 0))
        #expect(verdict[RequestID(3)]?.isMet == true)
        #expect(calls.allSatisfy { verdict[$0.request.id]?.isMet == true })
        let good = verdicts.reduce(0) { $0 + $1.goodTokenCount }
        #expect(result.report.overall.goodTokens == good)
        #expect(abs(result.report.overall.tokenGoodput - Double(good) / 2) < 1e-9)
        #expect(result.report.overall.units == 4 && result.report.overall.unitsMet == 3)
    }

    /// The fidelity pin: the same short workload through a served simulated GPU and through the
    /// simulator gives the same calls, lengths and — within 10 % — the same token goodput.
    @Test func servedAndSimulatedRunsAgree() async throws {
        let built = try WorkloadCatalog.make(name: "paper-mix", rps: 3, duration: .seconds(8), seed: 5)
        // MetaGPT runs last minutes; the rest of the mix keeps the test short.
        let workload = Workload(
            name: built.name, requests: built.requests, workflows: built.workflows.filter { $0.spec.application != "metagpt" },
            duration: built.duration)
        let simulate = try SimulateCommand.parseAsRoot(["--scheduler", "jitserve", "--quiet"]) as! SimulateCommand
        let builder = try simulate.engineBuilder()
        let profile = try simulate.hardware.profile()
        let simulated = try Simulator(
            workload: workload, makeExecutor: { SimulatedExecutor(profile: profile) }, makeEngine: builder.makeReplayEngine
        ).run()

        let served = try await ServedJITServe.start(["--executor", "sim", "--scheduler", "jitserve"])
        let (live, _) = try await replay(workload, on: served)
        await served.stop()

        #expect(live.errorsByClass.isEmpty, "\(live.firstErrors)")
        #expect(live.records.count == simulated.records.count)
        let simulatedByID = Dictionary(uniqueKeysWithValues: simulated.records.map { ($0.request.id, $0) })
        for record in live.records {
            let twin = try #require(simulatedByID[record.request.id])
            #expect(record.request.promptTokenCount == twin.request.promptTokenCount)
            #expect(record.timeline.outputTokenCount == twin.timeline.outputTokenCount)
        }
        let l = live.report.overall.tokenGoodput, s = simulated.report.overall.tokenGoodput
        #expect(s > 0 && abs(l - s) / s <= 0.10, "live \(l) tok/s vs simulated \(s) tok/s")
    }
}
