import Foundation
import JITServeCore
import JITServeEngine

/// Runs a real Llama-architecture model on the CPU for the engine (DESIGN §7): every iteration
/// is one batched forward pass over all scheduled tokens, keys and values live in a paged RAM
/// cache whose blocks the engine's block manager hands out, and the reported time is measured.
public final class CPUExecutor: Executor {
    public let model: LlamaModel
    public let tokenizer: Tokenizer?
    public let cache: PagedKVCache
    public let blockSize: Int
    public var kvBlockCapacity: Int { cache.blockCount }
    /// Swap preemption is not offered: host RAM is where the KV already lives.
    public let swapBlockCapacity = 0
    public let maxModelLength: Int

    /// Per-request text state: the streaming detokeniser and the end of the text emitted so far
    /// (for stop strings). Sampling itself is stateless (see `TokenSampler`).
    private struct RequestState {
        var decoder: StreamingDecoder?
        /// The last characters emitted: a stop string ending in the next piece starts at most
        /// (longest stop − 1) characters back, so that is all that is kept — the whole text
        /// would make each token's append and search grow with the answer's length.
        var text = ""

        mutating func keepTail(of piece: String, for stopStrings: [String]) {
            let keep = (stopStrings.map(\.count).max() ?? 0) - 1
            guard keep > 0 else { return }
            text += piece
            if text.count > keep { text = String(text.suffix(keep)) }
        }
    }

    private var states: [RequestID: RequestState] = [:]

    /// - Parameters:
    ///   - kvCacheBytes: RAM for keys and values; sets `kvBlockCapacity`. Pages stay virtual
    ///     until used, so a generous budget costs nothing up front.
    ///   - maxModelLength: A cap on the model's context length (prompt + output), if any.
    public init(
        model: LlamaModel, tokenizer: Tokenizer?, kvCacheBytes: Int = 2 << 30, blockSize: Int = 16,
        maxModelLength: Int? = nil
    ) {
        let c = model.configuration
        let perToken = PagedKVCache.bytesPerToken(
            layerCount: c.layerCount, kvHeadCount: c.kvHeadCount, headDimension: c.headDimension)
        self.model = model
        self.tokenizer = tokenizer
        self.blockSize = blockSize
        self.maxModelLength = min(c.contextLength, maxModelLength ?? c.contextLength)
        cache = PagedKVCache(
            layerCount: c.layerCount, blockCount: max(1, kvCacheBytes / (perToken * blockSize)),
            blockSize: blockSize, kvHeadCount: c.kvHeadCount, headDimension: c.headDimension)
    }

    /// Loads a GGUF model (weights, tokenizer) and builds an executor for it.
    public convenience init(
        modelPath: String, threadCount: Int = ProcessInfo.processInfo.activeProcessorCount,
        kvCacheBytes: Int = 2 << 30
    ) throws {
        try self.init(gguf: GGUFFile(contentsOf: modelPath), threadCount: threadCount, kvCacheBytes: kvCacheBytes)
    }

    /// Builds an executor for an opened GGUF model (weights are copied out of the mapping).
    public convenience init(
        gguf file: GGUFFile, threadCount: Int = ProcessInfo.processInfo.activeProcessorCount,
        kvCacheBytes: Int = 2 << 30, maxModelLength: Int? = nil
    ) throws {
        let configuration = try LlamaConfiguration(gguf: file)
        let weights = try LlamaWeights(gguf: file, configuration: configuration)
        let model = LlamaModel(weights: weights, threadCount: threadCount)
        try self.init(model: model, tokenizer: Tokenizer(gguf: file), kvCacheBytes: kvCacheBytes,
                      maxModelLength: maxModelLength)
    }

    public func execute(_ batch: ExecutionBatch) throws -> ExecutionOutcome {
        let started = ContinuousClock.now
        var inputs: [ForwardSequence] = []
        inputs.reserveCapacity(batch.sequences.count)
        for sequence in batch.sequences {
            let end = sequence.computedTokenCount + sequence.tokenCount
            guard sequence.tokenIDs.count >= end, sequence.computedTokenCount >= 0 else {
                throw CPUError.invalidBatch(
                    request: "\(sequence.requestID)",
                    reason: "needs tokens up to \(end) but \(sequence.tokenIDs.count) token IDs were given")
            }
            inputs.append(
                ForwardSequence(
                    tokens: Array(sequence.tokenIDs[sequence.computedTokenCount..<end]),
                    startPosition: sequence.computedTokenCount, blockTable: sequence.blockTable,
                    wantsLogits: sequence.samplesToken && sequence.tokenCount > 0))
        }
        let logits = try model.forward(inputs, cache: cache)
        var tokens: [GeneratedToken] = []
        var next = 0
        for (sequence, input) in zip(batch.sequences, inputs) where input.wantsLogits {
            tokens.append(sample(sequence, logits: logits[next]))
            next += 1
        }
        return ExecutionOutcome(tokens: tokens, elapsed: ContinuousClock.now - started)
    }

    public func release(_ requestID: RequestID) {
        states[requestID] = nil
    }

    /// Samples one sequence's next token and works out its text and whether it stops there.
    private func sample(_ sequence: ScheduledSequence, logits: UnsafeBufferPointer<Float>) -> GeneratedToken {
        let parameters = sequence.sampling
        let eos = tokenizer?.eosTokenID
        let banned = !parameters.ignoreEOS && sequence.generatedTokenCount < parameters.minTokens ? eos : nil
        let sampler = TokenSampler(parameters: parameters, requestID: sequence.requestID)
        let token = sampler.sample(logits, step: sequence.generatedTokenCount, bannedToken: banned)
        var isStop = token == eos && !parameters.ignoreEOS
        guard let tokenizer else {
            return GeneratedToken(requestID: sequence.requestID, tokenID: token, isStop: isStop)
        }
        var state = states[sequence.requestID] ?? restoredState(for: sequence, tokenizer: tokenizer)
        var piece = state.decoder!.append(token)
        if !parameters.stopStrings.isEmpty, !piece.isEmpty,
            let cut = Self.stopCut(emitted: state.text, piece: piece, stopStrings: parameters.stopStrings)
        {
            piece = cut
            isStop = true
        }
        state.keepTail(of: piece, for: parameters.stopStrings)
        states[sequence.requestID] = state
        return GeneratedToken(requestID: sequence.requestID, tokenID: token, isStop: isStop, text: piece)
    }

    /// A request seen for the first time — or again after a recompute preemption released its
    /// state — gets its detokeniser replayed over the tokens it has already generated.
    private func restoredState(for sequence: ScheduledSequence, tokenizer: Tokenizer) -> RequestState {
        var state = RequestState(decoder: StreamingDecoder(tokenizer: tokenizer))
        let generated = sequence.tokenIDs.suffix(sequence.generatedTokenCount)
        for token in generated {
            state.keepTail(of: state.decoder!.append(token), for: sequence.sampling.stopStrings)
        }
        return state
    }

    /// When `emitted + piece` contains a stop string that ends inside `piece`, the part of
    /// `piece` before the stop string (the stop string itself is not delivered); nil otherwise.
    public static func stopCut(emitted: String, piece: String, stopStrings: [String]) -> String? {
        let combined = emitted + piece
        let pieceStart = combined.index(combined.endIndex, offsetBy: -piece.count)
        var earliest: String.Index?
        for stop in stopStrings where !stop.isEmpty {
            // Only matches that end in the new piece: earlier ones would have stopped already.
            let searchStart = combined.index(pieceStart, offsetBy: -(stop.count - 1), limitedBy: combined.startIndex)
                ?? combined.startIndex
            if let range = combined.range(of: stop, range: searchStart..<combined.endIndex),
                earliest == nil || range.lowerBound < earliest!
            {
                earliest = range.lowerBound
            }
        }
        guard let earliest else { return nil }
        return earliest <= pieceStart ? "" : String(combined[pieceStart..<earliest])
    }
}
