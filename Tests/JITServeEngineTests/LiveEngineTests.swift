import JITServeCore
import JITServeEngine
import JITServeScheduling
import Synchronization
import Testing

/// The live engine driven by the zero-cost echo executor.
@Suite struct LiveEngineTests {
    struct CapPredictor: OutputLengthPredictor {
        let name = "cap"
        func distribution(for request: Request) -> LengthDistribution { .exactly(request.maxOutputTokens) }
    }

    /// `iteration` is modelled time per iteration: the engine holds each token back that long.
    func makeEngine(
        stopAfter: Int? = nil, kvBlocks: Int = 64, iteration: Duration = .zero,
        configuration: EngineConfiguration = .init(), onRetire: (@Sendable (RequestRecord) -> Void)? = nil
    ) throws -> LiveEngine {
        let executor = EchoExecutor(
            stopAfter: stopAfter, maxModelLength: 256, blockSize: 4, kvBlockCapacity: kvBlocks, iterationTime: iteration)
        let core = EngineCore(
            executor: executor, scheduler: try SchedulerCatalog.make("vllm"), configuration: configuration,
            lengthPredictor: CapPredictor(), textCodec: ByteCodec())
        return LiveEngine(core: core, onRetire: onRetire)
    }

    func request(_ engine: LiveEngine, prompt: Int = 5, maxTokens: Int = 10, sampling: SamplingParameters = .greedy) -> Request {
        Request(
            id: engine.makeRequestID(), arrivedAt: engine.now(), promptTokenCount: prompt,
            promptTokenIDs: Array(repeating: 65, count: prompt), maxOutputTokens: maxTokens,
            slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100)), sampling: sampling)
    }

    /// Polls `condition` (the engine thread publishes asynchronously); false if it never holds.
    func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<2000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    @Test func streamsTokensThenTheRecord() async throws {
        let engine = try makeEngine()
        let events = try engine.submit(request(engine, maxTokens: 12))
        var tokens: [DeliveredToken] = []
        var record: RequestRecord?
        for try await event in events {
            switch event {
            case .token(let t): tokens.append(t)
            case .finished(let r): record = r
            case .workflowEstimate: Issue.record("a latency request has no workflow")
            }
        }
        #expect(tokens.count == 12)
        #expect(tokens.map(\.tokenID) == Array(EchoExecutor().pattern.prefix(12)))
        #expect(tokens.map(\.text).joined() == String(EchoExecutor.defaultText.prefix(12)))
        #expect(record?.timeline.finishReason == .length)
        #expect(record?.timeline.outputTokenCount == 12)
        await engine.shutdown(grace: .seconds(1))
    }

    @Test func endOfSequenceFinishesWithStopUnlessIgnored() async throws {
        let engine = try makeEngine(stopAfter: 3)
        var reasons: [FinishReason?] = []
        for ignore in [false, true] {
            var sampling = SamplingParameters.greedy
            sampling.ignoreEOS = ignore
            for try await event in try engine.submit(request(engine, maxTokens: 8, sampling: sampling)) {
                if case .finished(let r) = event { reasons.append(r.timeline.finishReason) }
            }
        }
        #expect(reasons == [.stop, .length])
        await engine.shutdown(grace: .seconds(1))
    }

    @Test func aStopStringEndsTheRequestWhereTheClientsTextEnds() async throws {
        let retired = RecordBox()
        let engine = try makeEngine(onRetire: { retired.append($0) })
        var sampling = SamplingParameters.greedy
        sampling.stopStrings = ["fox"]
        var text = ""
        var tokenCount = 0
        var record: RequestRecord?
        for try await event in try engine.submit(request(engine, maxTokens: 40, sampling: sampling)) {
            switch event {
            case .token(let t):
                text += t.text
                tokenCount += 1
            case .finished(let r): record = r
            case .workflowEstimate: Issue.record("a latency request has no workflow")
            }
        }
        #expect(text == "The quick brown ")
        // The stop ends the request with the token that completed "fox": nothing after it is
        // generated, and the record (what metrics and goodput read) counts what was delivered.
        #expect(record?.timeline.finishReason == .stop)
        #expect(record?.timeline.outputTokenCount == tokenCount)
        #expect(tokenCount == "The quick brown fox".utf8.count)
        #expect(await eventually { retired.outputTokenCounts == [tokenCount] })
        await engine.shutdown(grace: .seconds(1))
    }

    @Test func droppingTheConsumerCancelsAndFreesKV() async throws {
        let retired = RecordBox()
        // 200 ms per token: 250 tokens take 50 s, so the request is still running when the
        // consumer goes away after 3, even while CPU-bound suites running beside this one hold
        // every cooperative thread (30 s of it was seen starving the consumer at 50 ms).
        let engine = try makeEngine(iteration: .milliseconds(200), onRetire: { retired.append($0) })
        let events = try engine.submit(request(engine, maxTokens: 250))
        let consumer = Task {
            var seen = 0
            for try await event in events {
                if case .token = event { seen += 1 }
                if seen == 3 { withUnsafeCurrentTask { $0?.cancel() } }
            }
            return seen
        }
        _ = try? await consumer.value
        #expect(await eventually { retired.reasons.contains(.cancelled) })
        #expect(await eventually { engine.status.stats.runningCount == 0 && engine.status.stats.usedBlockCount == 0 })
        #expect(engine.status.activeRequestCount == 0)
        await engine.shutdown(grace: .seconds(1))
    }

    /// With predictive admission a stream still waiting, unstarted, past its TTFT ends with the
    /// refusal the server sends as a 429 (with its Retry-After); the stream ahead of it is served.
    @Test func predictiveAdmissionRefusesAStreamThatMissedItsStart() async throws {
        let predictive = EngineConfiguration(
            maxRunning: 1, admission: AdmissionControl(maxWaitingRequests: 100, predictsQueueingDelay: true))
        let engine = try makeEngine(iteration: .milliseconds(20), configuration: predictive)
        // About a second on the only slot.
        let first = try engine.submit(request(engine, maxTokens: 50))
        var urgent = request(engine, maxTokens: 5)
        urgent.slo = .latency(ttft: .milliseconds(100), tbt: .milliseconds(100))
        let refused = try engine.submit(urgent)
        do {
            for try await _ in refused {}
            Issue.record("the stream behind a whole answer should have been refused")
        } catch let error as EngineError {
            #expect(error.isShed && (error.retryAfterSeconds ?? 0) >= 1)
            #expect(error.description.contains("before its first token"))
        }
        var tokens = 0
        for try await event in first { if case .token = event { tokens += 1 } }
        #expect(tokens == 50)
        await engine.shutdown(grace: .seconds(1))
    }

    @Test func refusesWhatItCanNeverServe() async throws {
        let engine = try makeEngine(kvBlocks: 8)  // 32 tokens of KV
        #expect(throws: EngineError.self) { try engine.submit(request(engine, prompt: 300)) }
        #expect(throws: EngineError.self) { try engine.submit(request(engine, prompt: 40)) }
        #expect(throws: EngineError.self) { try engine.submit(request(engine, prompt: 0)) }
        await engine.shutdown(grace: .seconds(1))
    }

    @Test func shutdownEndsStreamsPastTheGraceAndRefusesNewWork() async throws {
        // 200 ms per token: 250 tokens (50 s) far outlast the 50 ms grace, even when the
        // shutdown call itself waits on cooperative threads that other suites hold (at 50 ms
        // per token, a 30-s wait let both streams finish first).
        let engine = try makeEngine(iteration: .milliseconds(200))
        let long = try engine.submit(request(engine, prompt: 4, maxTokens: 250))
        let stuck = try engine.submit(request(engine, prompt: 12, maxTokens: 240))
        async let drained: Void = engine.shutdown(grace: .milliseconds(50))
        var failures = 0
        for stream in [long, stuck] {
            do {
                for try await _ in stream {}
            } catch let error as EngineError {
                #expect(error == .shuttingDown)
                failures += 1
            }
        }
        await drained
        #expect(failures == 2)
        #expect(throws: EngineError.shuttingDown) { try engine.submit(request(engine)) }
        #expect(engine.status.activeRequestCount == 0)
    }

    @Test func concurrentStreamsAllFinish() async throws {
        let engine = try makeEngine(kvBlocks: 256)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                let events = try engine.submit(request(engine, maxTokens: 50))
                group.addTask {
                    var n = 0
                    for try await event in events { if case .token = event { n += 1 } }
                    return n
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 50, count: 8))
        await engine.shutdown(grace: .seconds(1))
    }
}

/// Records retired by the engine thread, read by the test.
final class RecordBox: Sendable {
    private let records = Mutex<[RequestRecord]>([])

    func append(_ record: RequestRecord) { records.withLock { $0.append(record) } }
    var reasons: [FinishReason?] { records.withLock { $0.map(\.timeline.finishReason) } }
    var outputTokenCounts: [Int] { records.withLock { $0.map(\.timeline.outputTokenCount) } }
}
