import JITServeCore
import JITServeEngine
import JITServeScheduling
import Synchronization
import Testing

/// A running request's length so far reaches the length predictor at a few milestones, so an
/// online estimator can count the long requests a queue has not finished yet.
@Suite struct EngineCoreProgressTests {
    final class RecordingLengths: OutputLengthPredictor, @unchecked Sendable {
        let name = "recording"
        let progress = Mutex<[Int]>([])
        let observed = Mutex<[Int]>([])
        func distribution(for request: Request) -> LengthDistribution { .exactly(64) }
        func progress(_ request: Request, generatedTokenCount: Int) { progress.withLock { $0.append(generatedTokenCount) } }
        func observe(_ request: Request, outputTokenCount: Int) { observed.withLock { $0.append(outputTokenCount) } }
    }

    /// Runs one request of `maxTokens` to its end, one token per iteration.
    func run(maxTokens: Int) throws -> RecordingLengths {
        let lengths = RecordingLengths()
        let core = EngineCore(
            executor: FixedLengthExecutor(blocks: 100), scheduler: SarathiScheduler(), configuration: .init(),
            lengthPredictor: lengths)
        try core.add(request(1, prompt: 16, max: maxTokens))
        var now = Instant.zero
        var work = [ScheduledWork(requestID: RequestID(1), tokenCount: 16)]
        for _ in 0..<maxTokens {
            let admission = core.admit(SchedulePlan(scheduled: work, preempted: []), now: now)
            let outcome = ExecutionOutcome(
                tokens: [GeneratedToken(requestID: RequestID(1), tokenID: 7, isEndOfSequence: false)], elapsed: .milliseconds(10))
            _ = core.apply(outcome, to: admission)
            now = now + .milliseconds(10)
            work = [ScheduledWork(requestID: RequestID(1), tokenCount: 1)]
        }
        return lengths
    }

    @Test func progressIsReportedAtPowersOfTwoThenEvery64Tokens() throws {
        let lengths = try run(maxTokens: 300)
        #expect(lengths.progress.withLock { $0 } == [4, 8, 16, 32, 64, 128, 192, 256])
        #expect(lengths.observed.withLock { $0 } == [300])
    }

    @Test func theTokenThatEndsARequestIsAnOutcomeNotProgress() throws {
        let lengths = try run(maxTokens: 64)
        #expect(lengths.progress.withLock { $0 } == [4, 8, 16, 32])
        #expect(lengths.observed.withLock { $0 } == [64])
    }
}
