import JITServeCore
import JITServeEngine
import JITServeScheduling
import Testing

/// Stops each request at a fixed length; time grows with tokens computed.
final class FixedLengthExecutor: Executor {
    let blockSize = 16
    let kvBlockCapacity: Int
    let swapBlockCapacity: Int
    let maxModelLength = 4096
    var lengths: [RequestID: Int] = [:]
    var released: [RequestID] = []
    var batches: [ExecutionBatch] = []

    init(blocks: Int, swapBlocks: Int = 0) {
        kvBlockCapacity = blocks
        swapBlockCapacity = swapBlocks
    }

    func execute(_ batch: ExecutionBatch) throws -> ExecutionOutcome {
        batches.append(batch)
        let tokens = batch.sequences.filter(\.samplesToken).map { s in
            GeneratedToken(requestID: s.requestID, tokenID: Int32(s.generatedTokenCount),
                           isEndOfSequence: s.generatedTokenCount + 1 >= (lengths[s.requestID] ?? 1))
        }
        return ExecutionOutcome(tokens: tokens, elapsed: .microseconds(10_000 + 10 * batch.tokenCount))
    }

    func release(_ requestID: RequestID) { released.append(requestID) }
}

struct FlatPredictor: OutputLengthPredictor {
    let name = "flat"
    func distribution(for request: Request) -> LengthDistribution { .exactly(64) }
}

func request(_ id: UInt64, prompt: Int, at: Double = 0, max: Int = 1000) -> Request {
    Request(id: RequestID(id), arrivedAt: Instant(seconds: at), promptTokenCount: prompt,
            maxOutputTokens: max, slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100)))
}

/// Steps until idle; returns every finished record.
func drain(_ engine: EngineCore, limit: Int = 100_000) throws -> [RequestRecord] {
    var now = Instant.zero
    var done: [RequestRecord] = []
    var steps = 0
    while engine.hasWork, steps < limit {
        let report = try engine.step(now: now)
        now = report.finishedAt
        done += report.finished
        steps += 1
    }
    return done
}

@Suite struct EngineCoreTests {
    @Test(arguments: ["vllm", "sarathi", "las", "sjf", "edf"])
    func everyRequestFinishesWithItsLength(policy: String) throws {
        let executor = FixedLengthExecutor(blocks: 200)
        let engine = EngineCore(executor: executor, scheduler: try SchedulerCatalog.make(policy),
                                configuration: .init(maxBatchedTokens: 512, maxRunning: 8),
                                lengthPredictor: FlatPredictor())
        for i in 1...20 {
            executor.lengths[RequestID(UInt64(i))] = 5 + i * 3
            try engine.add(request(UInt64(i), prompt: 30 + 37 * i))
        }
        let done = try drain(engine)
        #expect(done.count == 20)
        for r in done {
            #expect(r.timeline.outputTokenCount == executor.lengths[r.request.id])
            #expect(r.timeline.finishReason == .stop)
        }
        #expect(engine.stats.usedBlockCount == 0)
        // No iteration exceeded the token budget unless it was a lone unchunked prefill.
        for batch in executor.batches where batch.sequences.count > 1 {
            #expect(batch.tokenCount <= 512)
            #expect(batch.sequences.count <= 8)
        }
    }

    @Test(arguments: [PreemptionMode.recompute, .swap])
    func tightMemoryPreemptsAndStillFinishesEverything(mode: PreemptionMode) throws {
        // 12 blocks of 16 tokens: not enough for four requests growing to 100+ tokens each.
        let executor = FixedLengthExecutor(blocks: 12, swapBlocks: 64)
        let engine = EngineCore(executor: executor, scheduler: SarathiScheduler(),
                                configuration: .init(maxBatchedTokens: 256, maxRunning: 8, preemptionMode: mode),
                                lengthPredictor: FlatPredictor())
        for i in 1...4 {
            executor.lengths[RequestID(UInt64(i))] = 90
            try engine.add(request(UInt64(i), prompt: 20))
        }
        let done = try drain(engine)
        #expect(done.count == 4)
        #expect(done.allSatisfy { $0.timeline.outputTokenCount == 90 })
        #expect(engine.stats.preemptionCount > 0)
        #expect(done.reduce(0) { $0 + $1.timeline.preemptionCount } == engine.stats.preemptionCount)
        if mode == .swap {
            #expect(executor.batches.contains { $0.swapOutBlockCount > 0 })
            #expect(executor.batches.contains { $0.swapInBlockCount > 0 })
        }
        #expect(engine.stats.usedBlockCount == 0)
    }

    @Test func maxOutputTokensEndsWithLength() throws {
        let executor = FixedLengthExecutor(blocks: 50)
        let engine = EngineCore(executor: executor, scheduler: VLLMScheduler(), lengthPredictor: FlatPredictor())
        executor.lengths[RequestID(1)] = 500
        try engine.add(request(1, prompt: 10, max: 7))
        let done = try drain(engine)
        #expect(done.first?.timeline.finishReason == .length)
        #expect(done.first?.timeline.outputTokenCount == 7)
    }

    @Test func cancellationFreesKVAtOnce() throws {
        let executor = FixedLengthExecutor(blocks: 50)
        let engine = EngineCore(executor: executor, scheduler: SarathiScheduler(), lengthPredictor: FlatPredictor())
        executor.lengths[RequestID(1)] = 500
        try engine.add(request(1, prompt: 100))
        _ = try engine.step(now: .zero)
        #expect(engine.stats.usedBlockCount > 0)
        let record = engine.cancel(RequestID(1), at: Instant(seconds: 1))
        #expect(record?.timeline.finishReason == .cancelled)
        #expect(engine.stats.usedBlockCount == 0)
        #expect(!engine.hasWork)
        #expect(executor.released.contains(RequestID(1)))
    }

    @Test func refusesWhatCanNeverRun() {
        let executor = FixedLengthExecutor(blocks: 4)
        let engine = EngineCore(executor: executor, scheduler: VLLMScheduler(), lengthPredictor: FlatPredictor())
        // 4 blocks of 16 tokens hold 64; the model's context is 4,096.
        #expect(throws: EngineError.promptExceedsKVCache(RequestID(1), promptTokenCount: 100, capacityTokens: 64)) {
            try engine.add(request(1, prompt: 100))
        }
        #expect(throws: EngineError.promptTooLong(RequestID(2), promptTokenCount: 5000, maxModelLength: 4096)) {
            try engine.add(request(2, prompt: 5000))
        }
        #expect(throws: EngineError.invalidRequest(RequestID(3), field: "promptTokenCount", reason: "must be at least 1")) {
            try engine.add(request(3, prompt: 0))
        }
    }

    @Test func anOutputCapBeyondTheContextIsRefusedOnlyWhenAsked() throws {
        let lenient = EngineCore(executor: FixedLengthExecutor(blocks: 400), scheduler: VLLMScheduler(),
                                 lengthPredictor: FlatPredictor())
        try lenient.add(request(1, prompt: 4000, max: 1000))
        let strict = EngineCore(executor: FixedLengthExecutor(blocks: 400), scheduler: VLLMScheduler(),
                                configuration: .init(rejectsOutputBeyondContext: true), lengthPredictor: FlatPredictor())
        #expect(throws: EngineError.outputExceedsContext(RequestID(1), promptTokenCount: 4000, maxOutputTokens: 1000,
                                                         maxModelLength: 4096)) {
            try strict.add(request(1, prompt: 4000, max: 1000))
        }
        try strict.add(request(2, prompt: 4000, max: 96))
    }

    @Test func aRequestAllowedPastTheContextEndsThereWithLength() throws {
        let executor = FixedLengthExecutor(blocks: 400)
        let engine = EngineCore(executor: executor, scheduler: SarathiScheduler(), lengthPredictor: FlatPredictor())
        executor.lengths[RequestID(1)] = 10_000
        try engine.add(request(1, prompt: 4090, max: 1000))
        let done = try drain(engine)
        #expect(done.first?.timeline.finishReason == .length)
        #expect(done.first?.timeline.outputTokenCount == 6)
    }

    @Test func chunkedPrefillSplitsALongPromptAcrossIterations() throws {
        let executor = FixedLengthExecutor(blocks: 100)
        let engine = EngineCore(executor: executor, scheduler: SarathiScheduler(),
                                configuration: .init(maxBatchedTokens: 128), lengthPredictor: FlatPredictor())
        executor.lengths[RequestID(1)] = 3
        try engine.add(request(1, prompt: 300))
        let done = try drain(engine)
        #expect(done.count == 1)
        let prefill = executor.batches.prefix(3).map { $0.sequences[0].tokenCount }
        #expect(prefill == [128, 128, 44])
        #expect(executor.batches[2].sequences[0].samplesToken)
        #expect(!executor.batches[0].sequences[0].samplesToken)
    }
}
