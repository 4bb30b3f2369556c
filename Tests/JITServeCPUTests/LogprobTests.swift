import Foundation
import JITServeCPU
import JITServeCore
import JITServeEngine
import Testing

/// Log-probabilities from the CPU executor: the sampled token's and the prompt's, checked
/// against a log-softmax computed here in Double from the same forward pass's logits.
@Suite struct LogprobTests {
    static func logSoftmax(_ logits: [Float]) -> [Double] {
        let maximum = Double(logits.max()!)
        let sum = logits.reduce(0.0) { $0 + Foundation.exp(Double($1) - maximum) }
        return logits.map { Double($0) - maximum - Foundation.log(sum) }
    }

    @Test func sampledAndPromptLogprobsAreTheModelsLogSoftmax() throws {
        let (fixture, file) = try ArchitectureReferenceTests.load("llama3")
        let prompt = Array(fixture.cases[0].promptTokens.prefix(20))
        // Reference: logits of every row from one forward pass.
        let reference = try CPUExecutor(gguf: file, threadCount: 1, kvCacheBytes: 4 << 20)
        var rows: [[Double]] = []
        for end in 1...prompt.count {
            let logits = try reference.model.forward(
                [ForwardSequence(tokens: Array(prompt.prefix(end)), startPosition: 0, blockTable: [0, 1], wantsLogits: true)],
                cache: reference.cache)
            rows.append(Self.logSoftmax(Array(logits[0])))
        }
        // The executor, with the prompt in two chunks, asked for both kinds.
        let executor = try CPUExecutor(gguf: file, threadCount: 1, kvCacheBytes: 4 << 20)
        let sampling = SamplingParameters(ignoreEOS: true, logprobCount: 3, promptLogprobCount: 2)
        var collected: [PromptLogprobs] = []
        var generated: GeneratedToken?
        for (start, count) in [(0, 7), (7, prompt.count - 7)] {
            let outcome = try executor.execute(ExecutionBatch(sequences: [ScheduledSequence(
                requestID: RequestID(1), tokenCount: count, computedTokenCount: start,
                samplesToken: start + count == prompt.count, tokenIDs: prompt, blockTable: [0, 1], sampling: sampling)]))
            collected += outcome.promptLogprobs
            generated = outcome.tokens.first ?? generated
        }
        let entries = collected.flatMap { chunk in chunk.entries.enumerated().map { (chunk.firstPosition + $0, $1) } }
        #expect(entries.map(\.0) == Array(1..<prompt.count))
        for (position, entry) in entries {
            let expected = rows[position - 1]
            #expect(abs(Double(entry.logprob) - expected[Int(prompt[position])]) < 1e-3, "position \(position)")
            #expect(entry.top.count == 2)
            let best = expected.indices.max { expected[$0] < expected[$1] }!
            #expect(entry.top[0].tokenID == Int32(best) && abs(Double(entry.top[0].logprob) - expected[best]) < 1e-3)
        }
        let token = try #require(generated)
        let last = rows[prompt.count - 1]
        let logprobs = try #require(token.logprobs)
        #expect(abs(Double(logprobs.logprob) - last[Int(token.tokenID)]) < 1e-3)
        #expect(logprobs.top.count == 3 && logprobs.top[0].tokenID == token.tokenID)  // greedy
        #expect(logprobs.top.map(\.logprob) == logprobs.top.map(\.logprob).sorted(by: >))
    }

    @Test func noLogprobsUnlessAsked() throws {
        let (fixture, file) = try ArchitectureReferenceTests.load("qwen2")
        let prompt = Array(fixture.cases[0].promptTokens.prefix(8))
        let executor = try CPUExecutor(gguf: file, threadCount: 1, kvCacheBytes: 4 << 20)
        let outcome = try executor.execute(ExecutionBatch(sequences: [ScheduledSequence(
            requestID: RequestID(1), tokenCount: prompt.count, computedTokenCount: 0, samplesToken: true,
            tokenIDs: prompt, blockTable: [0])]))
        #expect(outcome.tokens.count == 1 && outcome.tokens[0].logprobs == nil && outcome.promptLogprobs.isEmpty)
    }
}
