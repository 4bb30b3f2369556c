import Foundation
import JITServeCore
import JITServeEngine

/// Runs a real Llama-architecture model on the CPU for the engine (DESIGN §7): every iteration
/// is one batched forward pass over all scheduled tokens, keys and values live in a paged RAM
/// cache whose blocks the engine's block manager hands out, and the reported time is measured.
public final class CPUExecutor: Executor {
    public let model: LlamaModel
    /// The model's tokenizer: the executor reads only its end-of-sequence token.
    public let tokenizer: Tokenizer?
    public let cache: PagedKVCache
    public let blockSize: Int
    public var kvBlockCapacity: Int { cache.blockCount }
    /// Swap preemption is not offered: host RAM is where the KV already lives.
    public let swapBlockCapacity = 0
    public let maxModelLength: Int

    /// - Parameters:
    ///   - kvCacheBytes: RAM for keys and values; sets `kvBlockCapacity`. Pages stay virtual
    ///     until used, so a generous budget costs nothing up front.
    ///   - blockSize: Tokens a KV block holds: a multiple of 16, at most 64.
    ///   - maxModelLength: A cap on the model's context length (prompt + output), if any.
    ///   - kvCacheDataType: How keys and values are stored (fp32 unless asked otherwise).
    public init(
        model: LlamaModel, tokenizer: Tokenizer?, kvCacheBytes: Int = 2 << 30, blockSize: Int = 16,
        maxModelLength: Int? = nil, kvCacheDataType: KVCacheDataType = .float32
    ) {
        precondition(blockSize % 16 == 0 && blockSize <= 64, "CPU KV blocks hold 16, 32, 48 or 64 tokens")
        let c = model.configuration
        let perToken = PagedKVCache.bytesPerToken(
            layerCount: c.layerCount, kvHeadCount: c.kvHeadCount, headDimension: c.headDimension,
            dataType: kvCacheDataType)
        self.model = model
        self.tokenizer = tokenizer
        self.blockSize = blockSize
        self.maxModelLength = min(c.contextLength, maxModelLength ?? c.contextLength)
        cache = PagedKVCache(
            layerCount: c.layerCount, blockCount: max(1, kvCacheBytes / (perToken * blockSize)),
            blockSize: blockSize, kvHeadCount: c.kvHeadCount, headDimension: c.headDimension,
            dataType: kvCacheDataType)
    }

    /// Loads a GGUF model (weights, tokenizer) and builds an executor for it.
    public convenience init(
        modelPath: String, threadCount: Int = ProcessInfo.processInfo.activeProcessorCount,
        kvCacheBytes: Int = 2 << 30, kvCacheDataType: KVCacheDataType = .float32
    ) throws {
        try self.init(
            gguf: GGUFFile(contentsOf: modelPath), threadCount: threadCount, kvCacheBytes: kvCacheBytes,
            kvCacheDataType: kvCacheDataType)
    }

    /// Builds an executor for an opened GGUF model (weights are copied out of the mapping).
    public convenience init(
        gguf file: GGUFFile, threadCount: Int = ProcessInfo.processInfo.activeProcessorCount,
        kvCacheBytes: Int = 2 << 30, maxModelLength: Int? = nil, kvCacheDataType: KVCacheDataType = .float32
    ) throws {
        let configuration = try LlamaConfiguration(gguf: file)
        let weights = try LlamaWeights(gguf: file, configuration: configuration)
        let model = LlamaModel(weights: weights, threadCount: threadCount)
        try self.init(model: model, tokenizer: Tokenizer(gguf: file), kvCacheBytes: kvCacheBytes,
                      maxModelLength: maxModelLength, kvCacheDataType: kvCacheDataType)
    }

    public func execute(_ batch: ExecutionBatch) throws -> ExecutionOutcome {
        let started = ContinuousClock.now
        for copy in batch.blockCopies {
            guard (0..<cache.blockCount).contains(Int(copy.source)), (0..<cache.blockCount).contains(Int(copy.destination)) else {
                throw CPUError.invalidBatch(
                    request: "block copy", reason: "block \(copy.source) → \(copy.destination) outside 0..<\(cache.blockCount)")
            }
            // Whole blocks: the slots past the shared tokens are overwritten by the prefill.
            cache.copyBlock(from: Int(copy.source), to: Int(copy.destination))
        }
        var inputs: [ForwardSequence] = []
        inputs.reserveCapacity(batch.sequences.count)
        for sequence in batch.sequences {
            let end = sequence.computedTokenCount + sequence.tokenCount
            guard sequence.tokenIDs.count >= end, sequence.computedTokenCount >= 0 else {
                throw CPUError.invalidBatch(
                    request: "\(sequence.requestID)",
                    reason: "needs tokens up to \(end) but \(sequence.tokenIDs.count) token IDs were given")
            }
            let promptCount = sequence.tokenIDs.count - sequence.generatedTokenCount
            inputs.append(
                ForwardSequence(
                    tokens: Array(sequence.tokenIDs[sequence.computedTokenCount..<end]),
                    startPosition: sequence.computedTokenCount, blockTable: sequence.blockTable,
                    wantsLogits: sequence.samplesToken && sequence.tokenCount > 0,
                    wantsAllLogits: sequence.sampling.promptLogprobCount != nil
                        && sequence.computedTokenCount < promptCount && sequence.tokenCount > 0))
        }
        let logits = try model.forward(inputs, cache: cache)
        // Each sequence with logits, and where its rows start among them.
        var jobs: [(sequence: ScheduledSequence, input: ForwardSequence, firstRow: Int)] = []
        var next = 0
        for (sequence, input) in zip(batch.sequences, inputs) where input.wantsLogits || input.wantsAllLogits {
            jobs.append((sequence, input, next))
            next += input.wantsAllLogits ? input.tokens.count : 1
        }
        // Sequences sample on the kernel threads too: each pass over the vocabulary costs tens
        // of microseconds a sequence, which one thread would add up over a batch while the
        // others wait for the next forward pass.
        var sampled = [GeneratedToken?](repeating: nil, count: jobs.count)
        var scored = [PromptLogprobs?](repeating: nil, count: jobs.count)
        sampled.withUnsafeMutableBufferPointer { sampled in
            scored.withUnsafeMutableBufferPointer { scored in
                let sampled = sampled, scored = scored
                model.pool.forEachIndex(jobs.count) { index, _ in
                    let (sequence, input, firstRow) = jobs[index]
                    let rows = input.wantsAllLogits ? input.tokens.count : 1
                    if input.wantsAllLogits {
                        scored[index] = self.promptLogprobs(sequence, logits: logits[firstRow..<(firstRow + rows)])
                    }
                    if input.wantsLogits { sampled[index] = self.sample(sequence, logits: logits[firstRow + rows - 1]) }
                }
            }
        }
        return ExecutionOutcome(
            tokens: sampled.compactMap { $0 }, elapsed: ContinuousClock.now - started,
            promptLogprobs: scored.compactMap { $0 })
    }

    /// Nothing to forget: sampling is a pure function of the request's seed and step.
    public func release(_ requestID: RequestID) {}

    /// Samples one sequence's next token. Text, and stop strings in it, are the engine's
    /// business (`Detokenizer`): the executor only says whether the model ended the answer.
    private func sample(_ sequence: ScheduledSequence, logits: UnsafeBufferPointer<Float>) -> GeneratedToken {
        let parameters = sequence.sampling
        let eos = tokenizer?.eosTokenID
        let banned = !parameters.ignoreEOS && sequence.generatedTokenCount < parameters.minTokens ? eos : nil
        let sampler = TokenSampler(parameters: parameters, requestID: sequence.requestID)
        let token = sampler.sample(logits, step: sequence.generatedTokenCount, bannedToken: banned)
        let stops = tokenizer?.stopTokenIDs ?? []
        return GeneratedToken(
            requestID: sequence.requestID, tokenID: token,
            isEndOfSequence: stops.contains(token) && !parameters.ignoreEOS && token != banned,
            logprobs: parameters.logprobCount.map { TokenLogprobs(logits, chosen: token, top: $0) })
    }

    /// Each computed row's logits give the log-probabilities of the prompt token after it.
    private func promptLogprobs(_ sequence: ScheduledSequence, logits: ArraySlice<UnsafeBufferPointer<Float>>) -> PromptLogprobs {
        let promptCount = sequence.tokenIDs.count - sequence.generatedTokenCount
        let top = sequence.sampling.promptLogprobCount ?? 0
        var entries: [TokenLogprobs] = []
        for (row, rowLogits) in logits.enumerated() {
            let target = sequence.computedTokenCount + row + 1
            guard target < promptCount else { break }
            entries.append(TokenLogprobs(rowLogits, chosen: sequence.tokenIDs[target], top: top))
        }
        return PromptLogprobs(
            requestID: sequence.requestID, firstPosition: sequence.computedTokenCount + 1, entries: entries)
    }
}
