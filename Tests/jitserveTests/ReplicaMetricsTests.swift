import JITServeCore
import JITServeEngine
import JITServeHTTP
import JITServeRouter
import JITServeScheduling
import JITServeSimulation
import Testing

/// A router sees a replica alike in both worlds (DESIGN §10): what a served replica's
/// `/metrics` text parses to is what the simulator builds from the same engine figures.
@Suite struct ReplicaMetricsTests {
    struct CapPredictor: OutputLengthPredictor {
        let name = "cap"
        func distribution(for request: Request) -> LengthDistribution { LengthDistribution(samples: [20, 40, request.maxOutputTokens]) }
    }

    @Test func aServedReplicasMetricsParseToWhatTheSimulatorBuilds() async throws {
        let metrics = ServerMetrics(modelName: "m")
        // 20 ms per iteration and 2,000 tokens each: every request is still held when we look.
        let executor = EchoExecutor(maxModelLength: 4096, blockSize: 4, kvBlockCapacity: 4000, iterationTime: .milliseconds(20))
        let core = EngineCore(executor: executor, scheduler: try SchedulerCatalog.make("jitserve"), lengthPredictor: CapPredictor())
        let engine = LiveEngine(core: core, onRetire: metrics.observe)
        let slos: [SLO] = [
            .latency(ttft: .seconds(1), tbt: .milliseconds(100)), .deadline(ttlt: .seconds(30)),
            .compound(CompoundSLO(workflowID: WorkflowID(1), stage: 0, workflowStartedAt: engine.now(), deadline: .seconds(60))),
        ]
        var streams: [LiveEngine.Events] = []
        for i in 0..<6 {
            streams.append(try engine.submit(Request(
                id: engine.makeRequestID(), arrivedAt: engine.now(), promptTokenCount: 40 + 10 * i,
                promptTokenIDs: Array(repeating: 66, count: 40 + 10 * i), maxOutputTokens: 2000, slo: slos[i % 3])))
        }
        var iterator = streams[0].makeAsyncIterator()
        for _ in 0..<3 { _ = try await iterator.next() }
        let status = engine.status
        let text = metrics.render(status: status)
        let scraped = try ReplicaSnapshot(metrics: text, endpoint: "10.0.0.7:8000", scrapedAt: Instant(seconds: 3))
        let simulated = ReplicaSnapshot(endpoint: "10.0.0.7:8000", scrapedAt: Instant(seconds: 3), stats: status.stats, load: status.load)
        #expect(scraped == simulated)
        // What the engine published: six requests held, two of them workflow calls, work to do.
        #expect(scraped.requestCount == 6)
        #expect(scraped.load?.workflowCallCount == 2)
        #expect((scraped.load?.committedTokens ?? 0) > 0)
        #expect(scraped.load?.maxBatchedTokens == core.configuration.maxBatchedTokens)
        #expect(scraped.load?.kvCapacityTokens == 16_000)
        await engine.shutdown(grace: .zero)
    }
}
