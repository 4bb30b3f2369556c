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

    /// Bytes the weights occupy in memory.
    public var byteCount: Int {
        var total = tokenEmbedding.byteCount + outputNorm.count * 4
        if output !== tokenEmbedding { total += output.byteCount }
        for layer in layers {
            total += layer.queryKeyValue.byteCount + layer.attentionOutput.byteCount
            total += layer.gateUp.byteCount + layer.down.byteCount
            total += (layer.attentionNorm.count + layer.feedForwardNorm.count) * 4
        }
        return total
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
            layers.append(
                Layer(
                    attentionNorm: try vector(prefix + "attn_norm.weight", count: width),
                    queryKeyValue: try QuantizedMatrix(stacking: [query, key, value], name: prefix + "attn_qkv"),
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
    }
}
