import JITServeCore
import JITServeEngine
import JITServeScheduling
import JITServeSimulation
import Testing

/// Small pools: a chat prompt and a code request whose outputs exceed the cap, a ToT task with a
/// long value call, and a two-stage chain.
private func tinySources() throws -> ArtifactMixSources {
    let tot = TreeOfThoughtsTrace.TaskCalls(
        id: 0, propose: [.init(promptTokenCount: 200, outputTokenCount: 40)],
        value: [.init(promptTokenCount: 360, outputTokenCount: 900)])
    return try ArtifactMixSources(
        chatPrompts: [ChatPrompt(text: "hi", promptTokenCount: 5, outputTokenCount: 5000)],
        codeLengths: [LengthPair(promptTokenCount: 1500, outputTokenCount: 2000)],
        treeOfThoughts: [tot],
        deepResearch: [WorkflowSpec(id: WorkflowID(0), application: "deep-research", stages: [
            .init(calls: [.init(promptTokenCount: 100, outputTokenCount: 3000)]),
            .init(calls: [.init(promptTokenCount: 3200, outputTokenCount: 20)]),
        ])])
}

@Suite struct WorkloadArtifactMixTests {
    @Test func latencyDeadlineAndCompoundAreOneToOneToOneByCalls() throws {
        let w = try ArtifactMix(rate: 5, duration: .seconds(20_000), seed: 3, sources: tinySources()).make()
        let latency = Double(w.requests.filter { $0.request.kind == .latency }.count)
        let deadline = Double(w.requests.filter { $0.request.kind == .deadline }.count)
        let compoundCalls = Double(w.workflows.reduce(0) { $0 + $1.spec.callCount })
        let calls = latency + deadline + compoundCalls
        for share in [latency, deadline, compoundCalls] { #expect(abs(share / calls - 1.0 / 3) < 0.02) }
        // By arrivals, workflows are rare: with 5 calls each on average (8 ToT, 2 here per chain),
        // one in 2·5 + 1 = 11.
        let arrivals = Double(w.requests.count + w.workflows.count)
        #expect(abs(Double(w.workflows.count) / arrivals - 1.0 / 11) < 0.01)
        #expect(abs(arrivals / 20_000 - 5) / 5 < 0.02)
        let tot = Double(w.workflows.filter { $0.spec.application == "tot" }.count)
        #expect(abs(tot / Double(w.workflows.count) - 0.5) < 0.04)
    }

    @Test func outputsAreCappedAndTheCapIsTheirMaxTokens() throws {
        let w = try ArtifactMix(rate: 5, duration: .seconds(2_000), seed: 9, sources: tinySources()).make()
        for r in w.requests {
            #expect(r.outputTokenCount == 1024 && r.request.maxOutputTokens == 1024)
        }
        for wf in w.workflows {
            let cap = wf.spec.application == "tot" ? 256 : 1024
            #expect(wf.maxOutputTokens == cap)
            #expect(wf.spec.stages.allSatisfy { $0.calls.allSatisfy { $0.outputTokenCount <= cap } })
        }
        let chain = try #require(w.workflows.first { $0.spec.application == "deep-research" })
        #expect(chain.spec.stages.map { $0.calls[0].outputTokenCount } == [1024, 20])
    }

    @Test func treeOfThoughtsIsThreeThoughtsTimesTwoRounds() throws {
        let w = try ArtifactMix(rate: 5, duration: .seconds(2_000), seed: 11, sources: tinySources()).make()
        let tot = try #require(w.workflows.first { $0.spec.application == "tot" })
        #expect(tot.spec.stages.map(\.calls.count) == [3, 1, 3, 1])
        #expect(tot.spec.callCount == 8)
        // Generate calls come from the task's propose calls, value calls from its value calls.
        #expect(tot.spec.stages[0].calls.allSatisfy { $0 == .init(promptTokenCount: 200, outputTokenCount: 40) })
        #expect(tot.spec.stages[1].calls == [.init(promptTokenCount: 360, outputTokenCount: 256)])
        // Deadline: tier · 8 s · 4 stages.
        #expect(tot.deadline == .seconds(8 * 4 * tot.tier))
    }

    @Test func theSameSeedGivesTheSameWorkload() throws {
        let a = try ArtifactMix(rate: 3, duration: .seconds(300), seed: 5, sources: tinySources()).make()
        let b = try ArtifactMix(rate: 3, duration: .seconds(300), seed: 5, sources: tinySources()).make()
        #expect(a.requests.map(\.request.arrivedAt) == b.requests.map(\.request.arrivedAt))
        #expect(a.workflows.map(\.spec.stages) == b.workflows.map(\.spec.stages))
    }

    @Test func workflowCallsAreSentWithTheRecipesMaxTokens() throws {
        let w = try ArtifactMix(rate: 2, duration: .seconds(60), seed: 2, sources: tinySources()).make()
        let profile = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "a100")
        let result = try Simulator(
            workload: w, makeExecutor: { SimulatedExecutor(profile: profile) },
            makeEngine: { executor, plan in
                EngineCore(executor: executor, scheduler: SarathiScheduler(), lengthPredictor: OracleLengthPredictor(plan: plan))
            }
        ).run()
        let calls = result.records.filter { $0.request.slo.workflowID != nil }
        #expect(!calls.isEmpty)
        for call in calls {
            #expect(call.request.maxOutputTokens == (call.request.application == "tot" ? 256 : 1024))
        }
    }

    @Test func theCatalogBuildsItFromTheShippedData() throws {
        let w = try WorkloadCatalog.make(name: "artifact", rps: 4, duration: .seconds(120), seed: 1)
        #expect(w.name == "artifact")
        #expect(!w.requests.isEmpty)
        #expect(w.requests.allSatisfy { $0.outputTokenCount <= 1024 })
    }
}
