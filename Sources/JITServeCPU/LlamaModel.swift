import Foundation
import COpenBLAS

/// One sequence's share of a forward pass: the tokens it adds this iteration and where they go.
public struct ForwardSequence: Sendable {
    /// Token IDs whose keys and values this pass computes (a prefill chunk, or one decode token).
    public var tokens: [Int32]
    /// Position of `tokens[0]` (= tokens already in the KV cache for this sequence).
    public var startPosition: Int
    /// Physical KV blocks covering positions `0..<startPosition + tokens.count`.
    public var blockTable: [Int32]
    /// Whether the logits of the last token are wanted (a token will be sampled).
    public var wantsLogits: Bool
    /// Whether the logits of every token are wanted (prompt log-probabilities); implies
    /// `wantsLogits`' row among them.
    public var wantsAllLogits: Bool

    public init(tokens: [Int32], startPosition: Int, blockTable: [Int32], wantsLogits: Bool, wantsAllLogits: Bool = false) {
        self.tokens = tokens
        self.startPosition = startPosition
        self.blockTable = blockTable
        self.wantsLogits = wantsLogits
        self.wantsAllLogits = wantsAllLogits
    }
}

/// A Llama-architecture transformer run as one batched pass over every token of an iteration.
///
/// The rows of all sequences are stacked into one `[T × width]` activation, so every weight
/// matrix streams through memory once per iteration however many sequences take part;
/// attention is the only per-sequence step, reading each sequence's keys and values through its
/// block table. Not thread-safe: one caller at a time (it uses a thread pool internally).
public final class LlamaModel: @unchecked Sendable {
    public let weights: LlamaWeights
    public let configuration: LlamaConfiguration
    public let pool: ThreadPool
    /// Token count from which matrices go through OpenBLAS SGEMM rather than the SIMD kernels.
    public var sgemmThreshold: Int
    /// What the decode kernels multiply quantised weights with (fp32 unless asked otherwise).
    /// Setting `.q8` also interleaves the weights' rows for the byte kernels that read them so
    /// (`QuantizedMatrix.RowLayout`), and setting `.float32` puts them back: the layout belongs
    /// to the weights, so models sharing one `LlamaWeights` must share this setting too.
    public var activationDataType: ActivationDataType = .float32 {
        didSet { weights.setRowLayout(activationDataType == .q8 ? .interleaved : .sequential) }
    }
    /// The Q8 copy of each matrix's input when `activationDataType` is `.q8`.
    private let byteActivations = QuantizedActivations()

    /// `cos, sin` per (position, frequency), `headDimension` floats a position.
    let ropeTable: [Float]
    let workspace: LlamaWorkspace

    /// - Parameters:
    ///   - threadCount: threads for the kernels (the caller's included); OpenBLAS gets as many.
    ///   - sgemmThreshold: batches of at least this many tokens use SGEMM (`Int.max`: never).
    public init(weights: LlamaWeights, threadCount: Int, sgemmThreshold: Int = 48) {
        self.weights = weights
        self.configuration = weights.configuration
        self.pool = ThreadPool(threadCount: threadCount)
        self.sgemmThreshold = sgemmThreshold
        // SGEMM runs inside the pool's threads, one slice each (QuantizedMatrix.multiply).
        openblas_set_num_threads(1)
        let c = weights.configuration
        ropeTable = Kernels.ropeTable(
            positions: c.contextLength, headDimension: c.headDimension, base: c.ropeBase,
            frequencyFactors: weights.ropeFrequencyFactors, linearFactor: c.ropeLinearFactor)
        workspace = LlamaWorkspace(configuration: c, threadCount: pool.threadCount)
    }

    /// Runs the model over every token of `sequences`, writing keys and values into `cache`.
    ///
    /// - Returns: for each sequence with `wantsLogits`, in order, its last token's logits
    ///   (`vocabularySize` floats, valid until the next call); a sequence with `wantsAllLogits`
    ///   gets one buffer per token instead.
    public func forward(
        _ sequences: [ForwardSequence], cache: PagedKVCache
    ) throws -> [UnsafeBufferPointer<Float>] {
        let c = configuration
        let plan = try BatchLayout(sequences, cache: cache, contextLength: c.contextLength)
        let t = plan.rowCount
        if t == 0 { return [] }
        let ws = workspace
        ws.reserve(rows: t, sampledRows: plan.sampledRows.count)
        let quantizedInput = activationDataType == .q8 ? byteActivations : nil
        let width = c.embeddingLength
        let qkvWidth = width + 2 * c.kvWidth
        let hidden = c.feedForwardLength

        // Token embeddings: one dequantised row per token.
        for row in 0..<t {
            weights.tokenEmbedding.dequantizeRow(Int(plan.tokens[row]), into: ws.x + row * width)
        }

        for (index, layer) in weights.layers.enumerated() {
            // Attention block: x += Wo · attention(rope(Wqkv · rmsnorm(x))).
            layer.attentionNorm.withUnsafeBufferPointer { norm in
                for row in 0..<t {
                    Kernels.rmsNorm(
                        ws.x + row * width, weight: norm.baseAddress!, into: ws.normed + row * width,
                        count: width, epsilon: c.rmsEpsilon)
                }
            }
            layer.queryKeyValue.multiply(
                ws.normed, tokenCount: t, inputStride: width, into: ws.qkv, outputStride: qkvWidth,
                accumulate: false, pool: pool, sgemmThreshold: sgemmThreshold, scratch: ws.dequantized,
                quantizedInput: quantizedInput)
            if let bias = layer.queryKeyValueBias { addBias(bias, to: ws.qkv, rows: t, stride: qkvWidth) }
            ropeTable.withUnsafeBufferPointer { table in
                for row in 0..<t {
                    let angles = table.baseAddress! + plan.positions[row] * c.headDimension
                    let q = ws.qkv + row * qkvWidth
                    rotate(q, headCount: c.headCount, table: angles)
                    rotate(q + width, headCount: c.kvHeadCount, table: angles)
                    let (block, slot) = plan.cacheSlot(row: row, blockSize: cache.blockSize)
                    cache.store(
                        layer: index, block: block, slot: slot, keys: q + width,
                        values: q + width + c.kvWidth)
                }
            }
            attend(layer: index, plan: plan, cache: cache)
            layer.attentionOutput.multiply(
                ws.attention, tokenCount: t, inputStride: width, into: ws.x, outputStride: width,
                accumulate: true, pool: pool, sgemmThreshold: sgemmThreshold, scratch: ws.dequantized,
                quantizedInput: quantizedInput)

            // Feed-forward block: x += Wdown · (silu(Wgate · h) ⊙ Wup · h), h = rmsnorm(x).
            layer.feedForwardNorm.withUnsafeBufferPointer { norm in
                for row in 0..<t {
                    Kernels.rmsNorm(
                        ws.x + row * width, weight: norm.baseAddress!, into: ws.normed + row * width,
                        count: width, epsilon: c.rmsEpsilon)
                }
            }
            layer.gateUp.multiply(
                ws.normed, tokenCount: t, inputStride: width, into: ws.feedForward,
                outputStride: 2 * hidden, accumulate: false, pool: pool,
                sgemmThreshold: sgemmThreshold, scratch: ws.dequantized,
                quantizedInput: quantizedInput)
            for row in 0..<t {
                let gate = ws.feedForward + row * 2 * hidden
                Kernels.swiGLU(gate, up: gate + hidden, count: hidden)
            }
            layer.down.multiply(
                ws.feedForward, tokenCount: t, inputStride: 2 * hidden, into: ws.x, outputStride: width,
                accumulate: true, pool: pool, sgemmThreshold: sgemmThreshold, scratch: ws.dequantized,
                quantizedInput: quantizedInput)
        }

        // Classifier, only for the rows whose next token is sampled.
        let sampled = plan.sampledRows
        if sampled.isEmpty { return [] }
        weights.outputNorm.withUnsafeBufferPointer { norm in
            for (index, row) in sampled.enumerated() {
                Kernels.rmsNorm(
                    ws.x + row * width, weight: norm.baseAddress!, into: ws.normed + index * width,
                    count: width, epsilon: c.rmsEpsilon)
            }
        }
        let vocabulary = c.vocabularySize
        weights.output.multiply(
            ws.normed, tokenCount: sampled.count, inputStride: width, into: ws.logits,
            outputStride: vocabulary, accumulate: false, pool: pool, quantizedInput: quantizedInput)
        return (0..<sampled.count).map {
            UnsafeBufferPointer(start: ws.logits + $0 * vocabulary, count: vocabulary)
        }
    }

    /// RoPE in the layout the architecture uses.
    @inline(__always)
    private func rotate(_ vector: UnsafeMutablePointer<Float>, headCount: Int, table: UnsafePointer<Float>) {
        switch configuration.ropeLayout {
        case .adjacentPairs:
            Kernels.rope(vector, headCount: headCount, headDimension: configuration.headDimension, table: table)
        case .halves:
            Kernels.ropeHalves(vector, headCount: headCount, headDimension: configuration.headDimension, table: table)
        }
    }

    /// `rows[r] += bias` for each of `rows` rows `stride` apart (Qwen 2's Q, K, V biases).
    private func addBias(_ bias: [Float], to rows: UnsafeMutablePointer<Float>, rows count: Int, stride: Int) {
        bias.withUnsafeBufferPointer { b in
            for row in 0..<count {
                let target = rows + row * stride
                for index in 0..<b.count { target[index] += b[index] }
            }
        }
    }
}
