import JITServeCore
import JITServeEngine
import JITServeSimulation
import Testing

@Suite("SimulatedExecutor")
struct SimulatedExecutorTests {
    let executor = SimulatedExecutor(profile: HardwareProfile.catalogue[0])

    /// Runs `id` from a 100-token prompt until a stop token, returning how many tokens it got.
    private func runToStop(_ id: RequestID, startingAt generated: Int = 0, limit: Int = 1000) throws -> Int {
        var generated = generated
        while generated < limit {
            let sequence = ScheduledSequence(
                requestID: id, tokenCount: generated == 0 ? 100 : 1,
                computedTokenCount: generated == 0 ? 0 : 99 + generated, samplesToken: true,
                generatedTokenCount: generated)
            let outcome = try executor.execute(ExecutionBatch(sequences: [sequence]))
            #expect(outcome.tokens.count == 1)
            generated += 1
            if outcome.tokens[0].isEndOfSequence { return generated }
        }
        return generated
    }

    @Test("stops at the registered output length")
    func stopsAtLength() throws {
        for length in [1, 2, 37] {
            let id = RequestID(UInt64(length))
            executor.register(id, outputTokenCount: length)
            #expect(try runToStop(id) == length)
        }
    }

    @Test("a request preempted by recompute still stops at its length")
    func survivesRecompute() throws {
        let id = RequestID(7)
        executor.register(id, outputTokenCount: 5)
        // Three tokens, then the engine preempts (release) and recomputes prompt + 3 tokens.
        for generated in 0..<3 {
            let outcome = try executor.execute(ExecutionBatch(sequences: [ScheduledSequence(
                requestID: id, tokenCount: generated == 0 ? 10 : 1, computedTokenCount: generated == 0 ? 0 : 9 + generated,
                samplesToken: true, generatedTokenCount: generated)]))
            #expect(outcome.tokens[0].isEndOfSequence == false)
        }
        executor.release(id)
        let recompute = ScheduledSequence(
            requestID: id, tokenCount: 13, computedTokenCount: 0, samplesToken: true, generatedTokenCount: 3)
        #expect(try executor.execute(ExecutionBatch(sequences: [recompute])).tokens[0].isEndOfSequence == false)
        #expect(try runToStop(id, startingAt: 4) == 5)
        #expect(executor.registeredCount == 0)
    }

    @Test("only sampling sequences get a token, and elapsed comes from the latency model")
    func tokensAndElapsed() throws {
        executor.register(RequestID(1), outputTokenCount: 10)
        executor.register(RequestID(2), outputTokenCount: 10)
        let batch = ExecutionBatch(sequences: [
            ScheduledSequence(requestID: RequestID(1), tokenCount: 256, computedTokenCount: 0, samplesToken: false),
            ScheduledSequence(
                requestID: RequestID(2), tokenCount: 1, computedTokenCount: 300, samplesToken: true,
                generatedTokenCount: 4),
        ])
        let outcome = try executor.execute(batch)
        #expect(outcome.tokens.map(\.requestID) == [RequestID(2)])
        #expect(outcome.tokens[0].tokenID == SimulatedExecutor.tokenID)
        #expect(outcome.elapsed == executor.latencyModel.iterationTime(for: batch))
        #expect(outcome.elapsed > .zero)
    }

    @Test("capacities come from the profile")
    func capacities() {
        #expect(executor.blockSize == 16)
        #expect(executor.kvBlockCapacity == executor.profile.kvBlockCapacity)
        #expect(executor.swapBlockCapacity == executor.profile.swapBlockCapacity)
        #expect(executor.maxModelLength <= executor.profile.kvCapacityTokens)
    }

    @Test("unregister forgets a cancelled request")
    func unregister() {
        executor.register(RequestID(99), outputTokenCount: 3)
        #expect(executor.outputTokenCount(of: RequestID(99)) == 3)
        executor.unregister(RequestID(99))
        #expect(executor.outputTokenCount(of: RequestID(99)) == nil)
    }
}
