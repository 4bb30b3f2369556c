import JITServeCore
import JITServeEngine
import JITServeScheduling
import Testing

/// Prefix caching through the engine: what a request with a cached prefix is shown to the
/// scheduler, what it computes, and what it reports.
@Suite struct EngineCorePrefixCacheTests {
    func engine(caching: Bool = true, blocks: Int = 64) -> EngineCore {
        EngineCore(
            executor: EchoExecutor(blockSize: 16, kvBlockCapacity: blocks), scheduler: SarathiScheduler(),
            configuration: .init(enablePrefixCaching: caching), lengthPredictor: FlatPredictor())
    }

    func prompt(_ count: Int, seed: UInt64 = 1) -> [Int32] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Int32(32 + rng.nextInt(below: 90)) }
    }

    func chat(_ id: UInt64, _ tokens: [Int32], at: Double = 0, maxTokens: Int = 4,
              sampling: SamplingParameters = .greedy) -> Request {
        Request(
            id: RequestID(id), arrivedAt: Instant(seconds: at), promptTokenCount: tokens.count, promptTokenIDs: tokens,
            maxOutputTokens: maxTokens, slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100)), sampling: sampling)
    }

    /// Runs one iteration as the engine would; returns what it scheduled.
    func step(_ core: EngineCore, at now: Double) throws -> [(requestID: RequestID, tokenCount: Int)] {
        let admission = core.admit(core.plan(now: Instant(seconds: now)), now: Instant(seconds: now))
        if !admission.isEmpty { _ = core.apply(try core.execute(admission), to: admission) }
        return admission.scheduled
    }

    @Test(arguments: [true, false])
    func aRepeatedPromptPrefillsOnlyItsUncachedTail(caching: Bool) throws {
        let core = engine(caching: caching)
        let tokens = prompt(70)  // 4 full blocks and 6 tokens
        try core.add(chat(1, tokens))
        let first = try drain(core)
        try core.add(chat(2, tokens, at: 10))
        // The scheduler is shown the prefill that is left: the last 6 tokens.
        let cached = caching ? 64 : 0
        let view = core.snapshot(now: Instant(seconds: 10))
        #expect(view.waiting.map(\.computedTokenCount) == [cached])
        #expect(view.waiting.map(\.pendingTokenCount) == [70 - cached])
        #expect(try step(core, at: 10).map(\.tokenCount) == [70 - cached])
        let second = try drain(core)
        #expect(second.map(\.timeline.cachedPromptTokenCount) == [cached])
        #expect(first.map(\.timeline.cachedPromptTokenCount) == [0])
        #expect(second.map(\.timeline.outputTokenCount) == first.map(\.timeline.outputTokenCount))
        #expect(core.stats.prefixCacheHitTokenCount == cached)
        #expect(core.stats.prefixCacheQueryTokenCount == (caching ? 140 : 0))
        #expect(core.kvBlocksAreConsistent())
        #expect(core.stats.usedBlockCount == 0)
    }

    @Test func aPromptAlwaysComputesItsLastTokenAndNeverWritesASharedBlock() throws {
        let core = engine()
        let tokens = prompt(64)  // exactly 4 full blocks
        try core.add(chat(1, tokens))
        _ = try drain(core)
        try core.add(chat(2, tokens, at: 10))
        // The 4th block holds the last prompt token, which must be computed: 3 blocks are
        // shared, and the 4th's first 15 tokens copied into a block of the request's own.
        let admission = core.admit(core.plan(now: Instant(seconds: 10)), now: Instant(seconds: 10))
        let batch = core.batch(for: admission)
        #expect(batch.sequences.map(\.computedTokenCount) == [63])
        #expect(batch.sequences.map(\.tokenCount) == [1])
        #expect(batch.sequences.allSatisfy { $0.samplesToken })
        let table = batch.sequences[0].blockTable
        #expect(batch.blockCopies.map(\.destination) == [table[3]])
        #expect(batch.blockCopies.allSatisfy { !table.contains($0.source) })
    }

    @Test func requestsRunningTogetherShareTheirCommonPrefix() throws {
        let core = engine()
        let system = prompt(40, seed: 2)
        try core.add(chat(1, system + prompt(10, seed: 3), maxTokens: 50))
        #expect(try step(core, at: 0).map(\.tokenCount) == [50])
        // Request 1 is still decoding; its first three blocks are cached, the third holding
        // 8 more system tokens, which request 2 copies.
        try core.add(chat(2, system + prompt(20, seed: 4), at: 1))
        let scheduled = try step(core, at: 1)
        #expect(scheduled.map(\.requestID) == [RequestID(1), RequestID(2)])
        #expect(scheduled.map(\.tokenCount) == [1, 60 - 40])
        #expect(core.stats.usedBlockCount == 4 + 4 - 2)
        #expect(core.kvBlocksAreConsistent())
    }

    @Test func promptLogprobRequestsComputeTheirWholePrompt() throws {
        let core = engine()
        let tokens = prompt(70)
        try core.add(chat(1, tokens))
        _ = try drain(core)
        try core.add(chat(2, tokens, at: 10, sampling: SamplingParameters(promptLogprobCount: 1)))
        #expect(core.snapshot(now: Instant(seconds: 10)).waiting.map(\.computedTokenCount) == [0])
        #expect(try step(core, at: 10).map(\.tokenCount) == [70])
    }

    @Test func aRecomputePreemptedRequestResumesAfterItsCachedBlocks() throws {
        let core = engine()
        try core.add(chat(1, prompt(40), maxTokens: 100))
        for i in 0..<31 { _ = try step(core, at: Double(i)) }  // prefill, then 30 decodes
        // Known: 40 + 31 = 71 tokens; computed 70, so blocks 0…3 (64 tokens) are cached.
        let preempted = core.admit(SchedulePlan(scheduled: [], preempted: [RequestID(1)]), now: Instant(seconds: 40))
        #expect(preempted.preemptionCount == 1)
        #expect(core.stats.usedBlockCount == 0)
        let view = core.snapshot(now: Instant(seconds: 41))
        #expect(view.waiting.map(\.computedTokenCount) == [64])
        #expect(try step(core, at: 41).map(\.tokenCount) == [71 - 64])
        #expect(core.kvBlocksAreConsistent())
    }

    /// A trace replay's request has no prompt token IDs; what it generates (one ID over and over
    /// in the simulator) must not be cached as if it were a prompt, nor hit when it restarts.
    @Test func aRequestWithoutPromptTokenIDsNeverTouchesTheCache() throws {
        let core = engine()
        for id in UInt64(1)...2 {
            try core.add(Request(
                id: RequestID(id), arrivedAt: .zero, promptTokenCount: 40, maxOutputTokens: 100,
                slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100))))
        }
        for i in 0..<40 { _ = try step(core, at: Double(i)) }  // prefill, then 39 decodes each
        _ = core.admit(SchedulePlan(scheduled: [], preempted: [RequestID(1)]), now: Instant(seconds: 50))
        #expect(core.snapshot(now: Instant(seconds: 51)).waiting.map(\.computedTokenCount) == [0])
        #expect(try step(core, at: 51).first { $0.requestID == RequestID(1) }?.tokenCount == 40 + 40)
        #expect(core.stats.cachedBlockCount == 0)
        #expect(core.stats.prefixCacheHitTokenCount == 0)
        #expect(core.kvBlocksAreConsistent())
    }
}
