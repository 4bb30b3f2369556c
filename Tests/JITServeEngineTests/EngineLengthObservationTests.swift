import JITServeCore
import JITServeEngine
import JITServeScheduling
import Testing

/// Records what the engine tells the estimator.
/// Test-only and single-threaded: the engine steps on the test's thread.
final class RecordingPredictor: OutputLengthPredictor, @unchecked Sendable {
    let name = "recording"
    var observed: [RequestID: Int] = [:]
    var forgotten: [RequestID] = []
    func distribution(for request: Request) -> LengthDistribution { .exactly(64) }
    func observe(_ request: Request, outputTokenCount: Int) { observed[request.id] = outputTokenCount }
    func forget(_ request: Request) { forgotten.append(request.id) }
}

@Suite struct EngineLengthObservationTests {
    /// A scoring call (one-token cap) teaches the estimator nothing; a capped answer longer than
    /// that, and a finished one, are observed.
    @Test func aOneTokenScoringCallIsNotLearntAsAnAnswerLength() throws {
        let executor = FixedLengthExecutor(blocks: 50)
        let predictor = RecordingPredictor()
        let engine = EngineCore(executor: executor, scheduler: VLLMScheduler(), lengthPredictor: predictor)
        for (id, max) in [(1, 1), (2, 7), (3, 1000)] {
            executor.lengths[RequestID(UInt64(id))] = 20
            try engine.add(request(UInt64(id), prompt: 10, max: max))
        }
        let done = try drain(engine)
        #expect(done.count == 3)
        #expect(predictor.observed == [RequestID(2): 7, RequestID(3): 20])
        #expect(predictor.forgotten == [RequestID(1)])
    }
}
