/// The hyperparameters of a Llama-architecture model, read from GGUF metadata.
public struct LlamaConfiguration: Sendable, Equatable {
    public var layerCount: Int
    /// Width of the residual stream (576 for SmolLM2-135M).
    public var embeddingLength: Int
    /// Hidden width of the SwiGLU feed-forward block.
    public var feedForwardLength: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDimension: Int
    public var ropeBase: Double
    public var rmsEpsilon: Float
    /// Longest sequence the model was trained for.
    public var contextLength: Int
    public var vocabularySize: Int

    public init(
        layerCount: Int, embeddingLength: Int, feedForwardLength: Int, headCount: Int,
        kvHeadCount: Int, headDimension: Int, ropeBase: Double, rmsEpsilon: Float,
        contextLength: Int, vocabularySize: Int
    ) {
        self.layerCount = layerCount
        self.embeddingLength = embeddingLength
        self.feedForwardLength = feedForwardLength
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDimension = headDimension
        self.ropeBase = ropeBase
        self.rmsEpsilon = rmsEpsilon
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
    }

    /// Query heads that share one key/value head.
    public var groupSize: Int { headCount / kvHeadCount }
    /// Width of the keys (and of the values) of one token.
    public var kvWidth: Int { kvHeadCount * headDimension }

    /// Reads `llama.*` metadata; every missing or inconsistent key is an error naming it.
    public init(gguf: GGUFFile) throws {
        let architecture = gguf.architecture ?? "llama"
        guard architecture == "llama" else {
            throw CPUError.invalidMetadata(
                key: "general.architecture", reason: "'\(architecture)' is not a Llama-architecture model")
        }
        func integer(_ key: String) throws -> Int {
            guard let value = gguf.metadata["llama." + key] else {
                throw CPUError.missingMetadata(key: "llama." + key)
            }
            guard let number = value.int, number > 0 else {
                throw CPUError.invalidMetadata(key: "llama." + key, reason: "expected a positive integer")
            }
            return number
        }
        let width = try integer("embedding_length")
        let heads = try integer("attention.head_count")
        let kvHeads = gguf.metadata["llama.attention.head_count_kv"] == nil
            ? heads : try integer("attention.head_count_kv")
        guard width % heads == 0, heads % kvHeads == 0 else {
            throw CPUError.invalidMetadata(
                key: "llama.attention.head_count",
                reason: "\(heads) heads / \(kvHeads) KV heads do not divide width \(width)")
        }
        let headDimension = width / heads
        guard headDimension % 16 == 0 else {
            throw CPUError.invalidMetadata(
                key: "llama.attention.head_count",
                reason: "head width \(headDimension) is not a multiple of 16 (the attention kernel's step)")
        }
        if let rope = gguf.metadata["llama.rope.dimension_count"]?.int, rope != headDimension {
            throw CPUError.invalidMetadata(
                key: "llama.rope.dimension_count",
                reason: "partial RoPE (\(rope) of \(headDimension) dimensions) is not supported")
        }
        guard let epsilon = gguf.metadata["llama.attention.layer_norm_rms_epsilon"]?.double else {
            throw CPUError.missingMetadata(key: "llama.attention.layer_norm_rms_epsilon")
        }
        let embedding = try gguf.tensor(named: "token_embd.weight")
        guard embedding.dimensions.count == 2, embedding.dimensions[0] == width else {
            throw CPUError.invalidTensorShape(
                tensor: embedding.name, dimensions: embedding.dimensions,
                reason: "expected [\(width), vocabulary]")
        }
        self.init(
            layerCount: try integer("block_count"), embeddingLength: width,
            feedForwardLength: try integer("feed_forward_length"), headCount: heads,
            kvHeadCount: kvHeads, headDimension: headDimension,
            ropeBase: gguf.metadata["llama.rope.freq_base"]?.double ?? 10_000,
            rmsEpsilon: Float(epsilon), contextLength: try integer("context_length"),
            vocabularySize: embedding.dimensions[1])
    }
}
