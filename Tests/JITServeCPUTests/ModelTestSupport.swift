import Foundation
import JITServeCPU
import JITServeCore
import JITServeEngine

/// The real model for the end-to-end tests, loaded once per test process. Tests that need it
/// are enabled only when it is in the local model cache (`jitserve model pull smollm2-135m`).
enum ModelTestSupport {
    static let modelPath: String? = ModelStore().cachedPath(for: ModelStore.defaultModelName)

    static let loaded: (weights: LlamaWeights, tokenizer: Tokenizer)? = {
        guard let modelPath else { return nil }
        do {
            let file = try GGUFFile(contentsOf: modelPath)
            return (try weights(of: file), try Tokenizer(gguf: file))
        } catch {
            return nil
        }
    }()

    /// A copy of the weights of its own, for a test that changes their row layout (Q8
    /// activations interleave them), which the shared copy's other users must not see.
    static func freshWeights() throws -> LlamaWeights {
        try weights(of: GGUFFile(contentsOf: modelPath!))
    }

    private static func weights(of file: GGUFFile) throws -> LlamaWeights {
        try LlamaWeights(gguf: file, configuration: LlamaConfiguration(gguf: file))
    }

    static var isAvailable: Bool { loaded != nil }

    /// A fresh executor (own thread pool and KV cache) over the shared weights, or `weights`.
    static func executor(
        threads: Int = 2, sgemmThreshold: Int = 48, blockSize: Int = 16,
        kvCacheDataType: KVCacheDataType = .float32, weights: LlamaWeights? = nil
    ) -> CPUExecutor {
        let model = LlamaModel(weights: weights ?? loaded!.weights, threadCount: threads, sgemmThreshold: sgemmThreshold)
        return CPUExecutor(
            model: model, tokenizer: loaded!.tokenizer, kvCacheBytes: 64 << 20, blockSize: blockSize,
            kvCacheDataType: kvCacheDataType)
    }

    /// The reference fixture written by scripts/reference_forward.py (ReferenceFixture.swift).
    struct Fixture: Decodable {
        struct TopLogit: Decodable {
            var token: Int32
            var logit: Float
        }
        struct Case: Decodable {
            var prompt: String
            var promptTokens: [Int32]
            var greedyTokens: [Int32]
            var topLogits: [TopLogit]
        }
        var eosTokenID: Int32
        var cases: [Case]
    }

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(referenceFixtureJSON.utf8))
    }
}

/// Drives a `CPUExecutor` the way the engine would, with a trivial block allocator: each
/// request gets fresh blocks as its context grows.
final class ExecutorHarness {
    struct Sequence {
        var id: RequestID
        var tokens: [Int32]
        var computed = 0
        var generated = 0
        var blocks: [Int32] = []
        var sampling: SamplingParameters
    }

    let executor: CPUExecutor
    var sequences: [Sequence] = []
    private var nextBlock: Int32 = 0

    init(executor: CPUExecutor) { self.executor = executor }

    @discardableResult
    func add(prompt: [Int32], sampling: SamplingParameters = SamplingParameters(ignoreEOS: true)) -> Int {
        sequences.append(Sequence(id: RequestID(UInt64(sequences.count + 1)), tokens: prompt, sampling: sampling))
        return sequences.count - 1
    }

    /// One iteration: `work` lists (sequence index, tokens to compute). A sequence samples when
    /// the chunk reaches the end of its known tokens; sampled tokens are appended.
    @discardableResult
    func step(_ work: [(Int, Int)]) throws -> [Int: GeneratedToken] {
        var scheduled: [ScheduledSequence] = []
        for (index, count) in work {
            var s = sequences[index]
            let end = s.computed + count
            while s.blocks.count * executor.blockSize < end {
                s.blocks.append(nextBlock)
                nextBlock += 1
            }
            sequences[index] = s
            scheduled.append(
                ScheduledSequence(
                    requestID: s.id, tokenCount: count, computedTokenCount: s.computed,
                    samplesToken: end == s.tokens.count, tokenIDs: s.tokens, blockTable: s.blocks,
                    generatedTokenCount: s.generated, sampling: s.sampling))
        }
        let outcome = try executor.execute(ExecutionBatch(sequences: scheduled))
        var produced: [Int: GeneratedToken] = [:]
        for (index, count) in work { sequences[index].computed += count }
        for token in outcome.tokens {
            let index = sequences.firstIndex { $0.id == token.requestID }!
            sequences[index].tokens.append(token.tokenID)
            sequences[index].generated += 1
            produced[index] = token
        }
        return produced
    }

    /// Tokens generated so far by sequence `index`.
    func generated(_ index: Int) -> [Int32] {
        Array(sequences[index].tokens.suffix(sequences[index].generated))
    }

    /// Decodes every listed sequence together until each has `count` generated tokens.
    func decode(_ indices: [Int], until count: Int) throws {
        while true {
            let work = indices.filter { sequences[$0].generated < count }.map { ($0, 1) }
            if work.isEmpty { return }
            try step(work)
        }
    }
}
