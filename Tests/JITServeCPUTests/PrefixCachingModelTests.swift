import JITServeCPU
import JITServeCore
import JITServeEngine
import JITServeScheduling
import Testing

/// Prefix caching with the real model: the engine with the cache on produces the same greedy
/// tokens as with it off, on chat prompts that share the template's system prefix, a repeated
/// prompt, and a second turn that resends the first — so a block copied for a prefix that ends
/// part-way into it carries the right keys and values. Needs the real SmolLM2 GGUF in the model
/// cache; skipped otherwise.
@Suite(.enabled(if: ModelTestSupport.isAvailable, "smollm2-135m is not in the model cache"))
struct PrefixCachingModelTests {
    struct Flat: OutputLengthPredictor {
        let name = "flat"
        func distribution(for request: Request) -> LengthDistribution { .exactly(24) }
    }

    static let outputLength = 24

    /// SmolLM2's ChatML rendering of `turns` (user, assistant, …, user) with its default
    /// system message, ready for the assistant's answer.
    func chatPrompt(_ turns: [String], tokenizer: Tokenizer) -> [Int32] {
        var text = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
        for (i, turn) in turns.enumerated() {
            text += "<|im_start|>\(i % 2 == 0 ? "user" : "assistant")\n\(turn)<|im_end|>\n"
        }
        return tokenizer.encode(text + "<|im_start|>assistant\n")
    }

    /// Runs `prompts` one after another through an engine over the real model; returns each
    /// request's greedy tokens and the engine's prefix-cache hits, in tokens.
    func serve(_ prompts: [[Int32]], caching: Bool) throws -> (outputs: [[Int32]], hitTokens: Int) {
        let core = EngineCore(
            executor: ModelTestSupport.executor(), scheduler: SarathiScheduler(),
            configuration: .init(enablePrefixCaching: caching), lengthPredictor: Flat())
        var outputs: [[Int32]] = []
        var now = Instant.zero
        for (i, prompt) in prompts.enumerated() {
            let id = RequestID(UInt64(i + 1))
            try core.add(Request(
                id: id, arrivedAt: now, promptTokenCount: prompt.count, promptTokenIDs: prompt,
                maxOutputTokens: Self.outputLength, slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100)),
                sampling: SamplingParameters(ignoreEOS: true)))
            var tokens: [Int32] = []
            while core.hasWork {
                let report = try core.step(now: now)
                now = report.finishedAt
                tokens += report.tokens.filter { $0.requestID == id }.map(\.tokenID)
            }
            outputs.append(tokens)
        }
        #expect(core.kvBlocksAreConsistent())
        return (outputs, core.stats.prefixCacheHitTokenCount)
    }

    @Test func greedyTokensAreTheSameWithTheCacheOn() throws {
        let tokenizer = ModelTestSupport.loaded!.tokenizer
        let questions = try ModelTestSupport.fixture().cases.map(\.prompt)
        var prompts = questions.map { chatPrompt([$0], tokenizer: tokenizer) }
        prompts.append(prompts[0])  // the same prompt again: all but its last block cached
        let off = try serve(prompts, caching: false)
        // A second turn resending the first turn and its answer.
        let secondTurn = chatPrompt(
            [questions[0], tokenizer.decode(off.outputs[0], includeSpecial: false), "Tell me more."], tokenizer: tokenizer)
        let offTurn = try serve([prompts[0], secondTurn], caching: false)
        let on = try serve(prompts, caching: true)
        let onTurn = try serve([prompts[0], secondTurn], caching: true)

        #expect(on.outputs.allSatisfy { $0.count == Self.outputLength })
        #expect(on.outputs == off.outputs)
        #expect(onTurn.outputs == offTurn.outputs)
        // The cache was used to the token, not only the block: every prompt after the first
        // shares the template's system prefix (which ends part-way into a block), the repeat
        // all but its last token, the second turn the whole first prompt.
        #expect(off.hitTokens == 0 && offTurn.hitTokens == 0)
        let common = prompts.dropFirst().reduce(prompts[0].count) { shared, prompt in
            min(shared, zip(prompts[0], prompt).prefix { $0 == $1 }.count)
        }
        #expect(common % 16 != 0, "the shared prefix ends part-way into a block")
        #expect(on.hitTokens >= (prompts.count - 2) * common + prompts[0].count - 1)
        #expect(onTurn.hitTokens >= prompts[0].count - 1)
    }
}
