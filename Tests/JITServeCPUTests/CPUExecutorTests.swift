import JITServeCPU
import JITServeCore
import Testing

@Suite(.enabled(if: ModelTestSupport.isAvailable, "needs the smollm2-135m GGUF in the local model cache"))
struct CPUExecutorTests {
    /// The executor samples a batch's sequences on its kernel threads; each sequence's draws
    /// must still be its own: the same tokens as when it runs alone with the same seed.
    @Test func sampledTokensDoNotDependOnWhoSharesTheBatch() throws {
        let prompts = try ModelTestSupport.fixture().cases.map(\.promptTokens).prefix(3)
        let length = 12
        let settings = [
            SamplingParameters(temperature: 1, seed: 11, ignoreEOS: true),
            SamplingParameters(temperature: 0.8, topP: 0.9, seed: 12, ignoreEOS: true),
            SamplingParameters(temperature: 1.2, topK: 20, seed: 13, ignoreEOS: true),
        ]
        let batched = ExecutorHarness(executor: ModelTestSupport.executor())
        for (prompt, sampling) in zip(prompts, settings) { batched.add(prompt: prompt, sampling: sampling) }
        try batched.step(prompts.indices.map { ($0, prompts[$0].count) })
        try batched.decode(Array(prompts.indices), until: length)

        for (index, (prompt, sampling)) in zip(prompts, settings).enumerated() {
            let alone = ExecutorHarness(executor: ModelTestSupport.executor())
            try alone.step([(alone.add(prompt: prompt, sampling: sampling), prompt.count)])
            try alone.decode([0], until: length)
            #expect(alone.generated(0).count == length)
            #expect(batched.generated(index) == alone.generated(0), "sequence \(index)")
        }
        // The draws are not greedy in disguise: the comparison above is between samples.
        let greedy = ExecutorHarness(executor: ModelTestSupport.executor())
        try greedy.step([(greedy.add(prompt: prompts[0]), prompts[0].count)])
        try greedy.decode([0], until: length)
        #expect(greedy.generated(0) != batched.generated(0))
    }
}
