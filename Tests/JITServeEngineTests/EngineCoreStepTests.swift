import JITServeCore
import JITServeEngine
import JITServeScheduling
import Testing

/// The three steps of an iteration, each driven by hand: `admit` with a hand-made plan,
/// `apply` with a hand-made outcome.
@Suite struct EngineCoreStepTests {
    func engine(blocks: Int = 50, swapBlocks: Int = 0, mode: PreemptionMode = .recompute, codec: (any TextCodec)? = nil)
        -> (EngineCore, FixedLengthExecutor)
    {
        let executor = FixedLengthExecutor(blocks: blocks, swapBlocks: swapBlocks)
        let core = EngineCore(
            executor: executor, scheduler: SarathiScheduler(), configuration: .init(preemptionMode: mode),
            lengthPredictor: FlatPredictor(), textCodec: codec)
        return (core, executor)
    }

    func plan(_ work: [(UInt64, Int)], preempting: [UInt64] = []) -> SchedulePlan {
        SchedulePlan(
            scheduled: work.map { ScheduledWork(requestID: RequestID($0.0), tokenCount: $0.1) },
            preempted: preempting.map { RequestID($0) })
    }

    @Test func admitRunsWhatItCanHonourAndSkipsTheRest() throws {
        let (core, _) = engine(blocks: 10)  // 160 tokens of KV
        try core.add(request(1, prompt: 40))
        try core.add(request(2, prompt: 100))
        try core.add(request(3, prompt: 100))
        // Unknown 9; 1 twice; 2 first asks past its pending tokens, then finds no room beside 1 and 3.
        let admission = core.admit(plan([(9, 5), (1, 40), (1, 40), (2, 101), (3, 100), (2, 100)]), now: .zero)
        #expect(admission.scheduled.map(\.requestID) == [RequestID(1), RequestID(3)])
        let batch = core.batch(for: admission)
        #expect(batch.sequences.map(\.blockTable.count) == [3, 7])
        #expect(batch.sequences.allSatisfy { $0.samplesToken })
        // The snapshot reads each request's KV from the block manager.
        let view = core.snapshot(now: .zero)
        #expect(view.running.map(\.allocatedBlockCount) == [3, 7])
        #expect(view.waiting.map(\.id) == [RequestID(2)] && view.waiting.allSatisfy { $0.allocatedBlockCount == 0 })
        #expect(view.budget.freeBlockCount == 0)
    }

    @Test func swappedStateComesFromTheBlockManager() throws {
        let (core, _) = engine(blocks: 10, swapBlocks: 10, mode: .swap)
        try core.add(request(1, prompt: 40))
        let first = core.admit(plan([(1, 40)]), now: .zero)
        _ = core.apply(outcome(1, "a"), to: first)
        let out = core.admit(plan([], preempting: [1]), now: Instant(seconds: 1))
        #expect(out.preemptionCount == 1 && out.swapOutBlockCount == 3)
        let swapped = core.snapshot(now: Instant(seconds: 1)).waiting[0]
        #expect(swapped.isSwapped && swapped.allocatedBlockCount == 0 && swapped.computedTokenCount == 40)
        #expect(core.snapshot(now: Instant(seconds: 1)).running.isEmpty)
        let back = core.admit(plan([(1, 1)]), now: Instant(seconds: 2))
        #expect(back.swapInBlockCount == 3)
        let resumed = try #require(core.snapshot(now: Instant(seconds: 2)).running.first)
        #expect(!resumed.isSwapped && resumed.allocatedBlockCount == 3)
    }

    @Test func applyEndsARequestAtTheTokenThatCompletesAStopString() throws {
        let (core, _) = engine(codec: ByteCodec())
        var stopping = request(1, prompt: 3, max: 100)
        stopping.promptTokenIDs = [1, 2, 3]
        stopping.sampling.stopStrings = ["END"]
        try core.add(stopping)
        let prefill = core.admit(plan([(1, 3)]), now: .zero)
        var report = core.apply(outcome(1, "x"), to: prefill)
        // Held back: the last two bytes could still begin "END" (vLLM holds back as much).
        #expect(report.tokens.map(\.text) == [""])
        var text = ""
        for (step, byte) in "yzEND!".enumerated() where report.finished.isEmpty {
            let decode = core.admit(plan([(1, 1)]), now: Instant(seconds: Double(step + 1)))
            report = core.apply(outcome(1, String(byte)), to: decode)
            text += report.tokens.map(\.text).joined()
        }
        #expect(text == "xyz")
        let record = try #require(report.finished.first)
        #expect(record.timeline.finishReason == .stop)
        // x, y, z, E, N, D: the token that completed the stop string is the last one counted.
        #expect(record.timeline.outputTokenCount == 6)
        #expect(!core.hasWork && core.stats.usedBlockCount == 0)
    }

    @Test func endOfSequenceStopsAndLengthCapsAndTheHeldBackTailIsReleased() throws {
        let (core, _) = engine(codec: ByteCodec())
        var capped = request(1, prompt: 2, max: 2)
        capped.promptTokenIDs = [1, 2]
        capped.sampling.stopStrings = ["abc"]  // "ab" is held back: it could begin the stop
        var ended = request(2, prompt: 2, max: 50)
        ended.promptTokenIDs = [1, 2]
        try core.add(capped)
        try core.add(ended)
        var report = core.apply(outcome(1, "a", and: (2, "q")), to: core.admit(plan([(1, 2), (2, 2)]), now: .zero))
        #expect(report.tokens.map(\.text) == ["", "q"])
        let last = ExecutionOutcome(
            tokens: [GeneratedToken(requestID: RequestID(1), tokenID: Int32(UInt8(ascii: "b")), isEndOfSequence: false),
                     GeneratedToken(requestID: RequestID(2), tokenID: ByteCodec.endOfSequence, isEndOfSequence: true)],
            elapsed: .milliseconds(10))
        report = core.apply(last, to: core.admit(plan([(1, 1), (2, 1)]), now: Instant(seconds: 1)))
        #expect(report.tokens.map(\.text) == ["ab", ""])
        #expect(report.finished.map(\.timeline.finishReason) == [.length, .stop])
    }

    private func outcome(_ id: UInt64, _ text: String, and other: (UInt64, String)? = nil) -> ExecutionOutcome {
        var tokens = [GeneratedToken(requestID: RequestID(id), tokenID: Int32(text.utf8.first!), isEndOfSequence: false)]
        if let (otherID, otherText) = other {
            tokens.append(GeneratedToken(
                requestID: RequestID(otherID), tokenID: Int32(otherText.utf8.first!), isEndOfSequence: false))
        }
        return ExecutionOutcome(tokens: tokens, elapsed: .milliseconds(10))
    }
}
