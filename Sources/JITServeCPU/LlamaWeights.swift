/// The weights of a Llama-architecture model in the kernels' layout.
///
/// Matrices that read the same input are stacked at load time — Q, K and V into one, gate and
/// up into one — so a decode step issues three parallel jobs per block fewer, which matters
/// when each job is only microseconds long.
public final class LlamaWeights: @unchecked Sendable {
    /// One transformer block.
    public struct Layer: @unchecked Sendable {
        public var attentionNorm: [Float]
        /// Rows: `headCount·headDimension` query, then key, then value rows.
        public var queryKeyValue: QuantizedMatrix
        /// Biases added to the stacked Q, K, V rows (Qwen 2); nil when the model has none.
        public var queryKeyValueBias: [Float]?
        public var attentionOutput: QuantizedMatrix
        public var feedForwardNorm: [Float]
        /// Rows: `feedForwardLength` gate rows, then as many up rows.
        public var gateUp: QuantizedMatrix
        public var down: QuantizedMatrix
    }

    public let configuration: LlamaConfiguration
    public let tokenEmbedding: QuantizedMatrix
    public let layers: [Layer]
    public let outputNorm: [Float]
    /// The classifier; the token embedding itself when the model ties them.
    public let output: QuantizedMatrix
    /// Per-frequency divisors of RoPE's angles (`rope_freqs.weight`, `headDimension / 2` of them):
    /// how the GGUF converter bakes in Llama 3.1+'s "llama3" RoPE scaling. Nil: unscaled.
    public let ropeFrequencyFactors: [Float]?

    /// Every weight matrix once (the classifier is the token embedding when they are tied).
    var matrices: [QuantizedMatrix] {
        [tokenEmbedding] + (output === tokenEmbedding ? [] : [output])
            + layers.flatMap { [$0.queryKeyValue, $0.attentionOutput, $0.gateUp, $0.down] }
    }

    /// Bytes the weights occupy in memory.
    public var byteCount: Int {
        var total = matrices.reduce(0) { $0 + $1.byteCount } + outputNorm.count * 4
        for layer in layers {
            total += (layer.attentionNorm.count + layer.feedForwardNorm.count) * 4
            total += (layer.queryKeyValueBias?.count ?? 0) * 4
        }
        return total
    }

    /// Puts every weight matrix that can take it into `layout` (`QuantizedMatrix.setRowLayout`).
    /// Not while a forward pass runs.
    public func setRowLayout(_ layout: QuantizedMatrix.RowLayout) {
        let matrices = self.matrices
        let scratch = UnsafeMutableRawPointer.allocate(
            byteCount: matrices.map(\.byteCount).max() ?? 1, alignment: 64)
        defer { scratch.deallocate() }
        for matrix in matrices { matrix.setRowLayout(layout, scratch: scratch) }
    }

    /// Loads and repacks every tensor the forward pass needs; shapes are checked against the
    /// configuration so a mismatched file fails here, not inside a kernel.
    public init(gguf: GGUFFile, configuration: LlamaConfiguration) throws {
        self.configuration = configuration
        let width = configuration.embeddingLength
        func matrix(_ name: String, rows: Int, columns: Int) throws -> QuantizedMatrix {
            let tensor = try gguf.tensor(named: name)
            guard tensor.dimensions == [columns, rows] else {
                throw CPUError.invalidTensorShape(
                    tensor: name, dimensions: tensor.dimensions, reason: "expected [\(columns), \(rows)]")
            }
            return try QuantizedMatrix(tensor: tensor, data: gguf.data(of: tensor))
        }
        func vector(_ name: String, count: Int) throws -> [Float] {
            let tensor = try gguf.tensor(named: name)
            guard tensor.dimensions == [count] else {
                throw CPUError.invalidTensorShape(
                    tensor: name, dimensions: tensor.dimensions, reason: "expected [\(count)]")
            }
            let data = gguf.data(of: tensor)
            switch tensor.type {
            case .f32:
                return (0..<count).map { data.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
            case .f16:
                return (0..<count).map { QuantizedMatrix.half(data.baseAddress!, at: $0 * 2) }
            default:
                throw CPUError.invalidTensorShape(
                    tensor: name, dimensions: tensor.dimensions,
                    reason: "a norm vector must be f32 or f16, not \(tensor.type.name)")
            }
        }
        let kvWidth = configuration.kvWidth
        let hidden = configuration.feedForwardLength
        tokenEmbedding = try matrix("token_embd.weight", rows: configuration.vocabularySize, columns: width)
        var layers: [Layer] = []
        for index in 0..<configuration.layerCount {
            let prefix = "blk.\(index)."
            let query = try matrix(prefix + "attn_q.weight", rows: width, columns: width)
            let key = try matrix(prefix + "attn_k.weight", rows: kvWidth, columns: width)
            let value = try matrix(prefix + "attn_v.weight", rows: kvWidth, columns: width)
            let gate = try matrix(prefix + "ffn_gate.weight", rows: hidden, columns: width)
            let up = try matrix(prefix + "ffn_up.weight", rows: hidden, columns: width)
            // Biases come all three or none: a file with only some is refused by name.
            let biasNames = ["attn_q.bias", "attn_k.bias", "attn_v.bias"].map { prefix + $0 }
            var bias: [Float]?
            if biasNames.contains(where: { gguf.tensors[$0] != nil }) {
                bias = try vector(biasNames[0], count: width) + vector(biasNames[1], count: kvWidth)
                    + vector(biasNames[2], count: kvWidth)
            }
            layers.append(
                Layer(
                    attentionNorm: try vector(prefix + "attn_norm.weight", count: width),
                    queryKeyValue: try QuantizedMatrix(stacking: [query, key, value], name: prefix + "attn_qkv"),
                    queryKeyValueBias: bias,
                    attentionOutput: try matrix(prefix + "attn_output.weight", rows: width, columns: width),
                    feedForwardNorm: try vector(prefix + "ffn_norm.weight", count: width),
                    gateUp: try QuantizedMatrix(stacking: [gate, up], name: prefix + "ffn_gate_up"),
                    down: try matrix(prefix + "ffn_down.weight", rows: width, columns: hidden)))
        }
        self.layers = layers
        outputNorm = try vector("output_norm.weight", count: width)
        if gguf.tensors["output.weight"] != nil {
            output = try matrix("output.weight", rows: configuration.vocabularySize, columns: width)
        } else {
            output = tokenEmbedding
        }
        if gguf.tensors["rope_freqs.weight"] != nil {
            let factors = try vector("rope_freqs.weight", count: configuration.headDimension / 2)
            guard factors.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw CPUError.invalidTensorShape(
                    tensor: "rope_freqs.weight", dimensions: [factors.count], reason: "factors must be positive")
            }
            ropeFrequencyFactors = factors
        } else {
            ropeFrequencyFactors = nil
        }
        try Self.refuseUnusedTensors(gguf, layerCount: configuration.layerCount)
    }

    /// Tensors of kinds this forward pass would silently ignore (a different block design) make
    /// the load fail, naming one, rather than produce wrong text.
    static func refuseUnusedTensors(_ gguf: GGUFFile, layerCount: Int) throws {
        let known: Set<String> = [
            "attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
            "attn_q.bias", "attn_k.bias", "attn_v.bias", "ffn_norm.weight", "ffn_gate.weight",
            "ffn_up.weight", "ffn_down.weight", "attn_rot_embd",
        ]
        for name in gguf.tensorNames {
            if ["token_embd.weight", "output_norm.weight", "output.weight", "rope_freqs.weight"].contains(name) {
                continue
            }
            let parts = name.split(separator: ".", maxSplits: 2)
            if parts.count == 3, parts[0] == "blk", let layer = Int(parts[1]), layer < layerCount,
                known.contains(String(parts[2])) || parts[2].hasPrefix("attn_rot_embd")
            {
                continue
            }
            throw CPUError.invalidTensorShape(
                tensor: name, dimensions: gguf.tensors[name]?.dimensions ?? [],
                reason: "this tensor is not part of a Llama/Qwen 2 block; the model's architecture is not supported")
        }
    }
}
