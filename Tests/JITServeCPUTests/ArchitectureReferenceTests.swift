import Foundation
import JITServeCPU
import JITServeCore
import JITServeEngine
import Testing

/// Each Llama-family member the forward pass switches for (Llama 3.x's scaled RoPE, Qwen 2's
/// NeoX RoPE and QKV biases, Mistral's sliding window and SentencePiece vocabulary), checked on
/// a tiny random-weight GGUF against scripts/make_model_fixtures.py's numpy reference: the chat
/// template's rendering, the prompt's token IDs, the first step's logits and the greedy tokens.
@Suite("Architectures against the numpy reference")
struct ArchitectureReferenceTests {
    struct Fixture: Decodable {
        struct TopLogit: Decodable {
            var token: Int32
            var logit: Float
        }
        struct Message: Decodable {
            var role: String
            var content: String
        }
        struct Case: Decodable {
            var messages: [Message]
            var prompt: String
            var promptTokens: [Int32]
            var greedyTokens: [Int32]
            var topLogits: [TopLogit]
        }
        var model: String
        var variables: [String: String]
        var cases: [Case]
    }

    static let families = ["llama3", "qwen2", "mistral"]

    static func load(_ family: String) throws -> (Fixture, GGUFFile) {
        let fixture = try JSONDecoder().decode(Fixture.self, from: try FixtureFiles.data("tiny-\(family).json"))
        return (fixture, try GGUFFile(contentsOf: FixtureFiles.path(fixture.model)))
    }

    @Test(arguments: families)
    func configurationSaysWhatTheFileIs(family: String) throws {
        let (_, file) = try Self.load(family)
        let configuration = try LlamaConfiguration(gguf: file)
        let weights = try LlamaWeights(gguf: file, configuration: configuration)
        switch family {
        case "llama3":
            #expect(configuration.ropeBase == 500_000 && configuration.ropeLayout == .adjacentPairs)
            #expect(weights.ropeFrequencyFactors?.count == configuration.headDimension / 2)
            #expect(weights.layers.allSatisfy { $0.queryKeyValueBias == nil })
        case "qwen2":
            #expect(configuration.architecture == "qwen2" && configuration.ropeLayout == .halves)
            #expect(weights.layers.allSatisfy { $0.queryKeyValueBias?.count == configuration.queryWidth + 2 * configuration.kvWidth })
            #expect(weights.output === weights.tokenEmbedding)
        default:
            #expect(configuration.slidingWindow == 8)
        }
    }

    @Test(arguments: families)
    func promptsRenderAndTokenizeAsTheReference(family: String) throws {
        let (fixture, file) = try Self.load(family)
        let codec = try GGUFTextCodec(gguf: file, modelName: family, contentParsesSpecialTokens: false)
        for reference in fixture.cases {
            let messages = reference.messages.map { ChatMessage(role: ChatMessage.Role(rawValue: $0.role)!, content: $0.content) }
            let prompt = try codec.template.render(messages, addGenerationPrompt: true, variables: fixture.variables)
            #expect(prompt.text == reference.prompt)
            #expect(codec.encode(prompt) == reference.promptTokens, "\(family): \(reference.prompt.debugDescription)")
        }
    }

    @Test(arguments: families)
    func greedyTokensMatchTheReference(family: String) throws {
        let (fixture, file) = try Self.load(family)
        let executor = try CPUExecutor(gguf: file, threadCount: 2, kvCacheBytes: 16 << 20)
        let harness = ExecutorHarness(executor: executor)
        for reference in fixture.cases {
            let index = harness.add(prompt: reference.promptTokens)
            // Prefill in chunks of 5 so that chunks straddle KV blocks and the sliding window.
            var done = 0
            while done < reference.promptTokens.count {
                let count = min(5, reference.promptTokens.count - done)
                try harness.step([(index, count)])
                done += count
            }
            try harness.decode([index], until: reference.greedyTokens.count)
            #expect(harness.generated(index) == reference.greedyTokens, "\(family): \(reference.prompt.debugDescription)")
        }
    }

    @Test(arguments: families)
    func firstStepLogitsMatchTheReference(family: String) throws {
        let (fixture, file) = try Self.load(family)
        let executor = try CPUExecutor(gguf: file, threadCount: 2, kvCacheBytes: 16 << 20)
        for reference in fixture.cases {
            let blocks = (reference.promptTokens.count + 15) / 16
            let logits = try executor.model.forward(
                [ForwardSequence(
                    tokens: reference.promptTokens, startPosition: 0, blockTable: (0..<blocks).map(Int32.init),
                    wantsLogits: true)],
                cache: executor.cache)
            for top in reference.topLogits {
                #expect(abs(logits[0][Int(top.token)] - top.logit) < 2e-3 * max(1, abs(top.logit)), "\(family) token \(top.token)")
            }
        }
    }

    @Test func slidingWindowChangesTheAnswer() throws {
        // Without the window the same Mistral file gives other logits: the switch is live.
        let (fixture, file) = try Self.load("mistral")
        var configuration = try LlamaConfiguration(gguf: file)
        let windowed = LlamaModel(weights: try LlamaWeights(gguf: file, configuration: configuration), threadCount: 1)
        configuration.slidingWindow = nil
        let full = LlamaModel(weights: try LlamaWeights(gguf: file, configuration: configuration), threadCount: 1)
        let prompt = fixture.cases[1].promptTokens
        let blocks = (0..<Int32((prompt.count + 15) / 16))
        func top(_ model: LlamaModel) throws -> [Float] {
            let cache = PagedKVCache(
                layerCount: configuration.layerCount, blockCount: blocks.count, blockSize: 16,
                kvHeadCount: configuration.kvHeadCount, headDimension: configuration.headDimension)
            let logits = try model.forward(
                [ForwardSequence(tokens: prompt, startPosition: 0, blockTable: Array(blocks), wantsLogits: true)], cache: cache)
            return Array(logits[0])
        }
        let reference = fixture.cases[1].topLogits[0]
        #expect(abs(try top(windowed)[Int(reference.token)] - reference.logit) < 1e-2)
        #expect(abs(try top(full)[Int(reference.token)] - reference.logit) > 1e-2)
    }
}
