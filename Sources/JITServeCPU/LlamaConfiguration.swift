/// The hyperparameters of a Llama-family model, read from GGUF metadata.
///
/// One forward pass serves the family as GGUF carries it; what differs between its members is
/// said here and switched on in the forward pass:
/// - Llama 2/3.x, SmolLM, Mistral (`general.architecture` = `llama`): RoPE on adjacent pairs
///   (the converter permutes Q/K for it); Llama 3.1+ scales RoPE frequencies by the
///   `rope_freqs.weight` tensor (its "llama3" scaling, baked in by the converter); Mistral may
///   set `llama.attention.sliding_window`.
/// - Qwen 2/2.5 (`qwen2`): RoPE on the two halves of each head (NeoX layout), biases on Q, K, V.
public struct LlamaConfiguration: Sendable, Equatable {
    /// How RoPE pairs the dimensions of a head.
    public enum RopeLayout: String, Sendable, Equatable {
        /// `(x[2i], x[2i+1])`: ggml's "normal" mode (Llama GGUFs are permuted for it).
        case adjacentPairs = "normal"
        /// `(x[i], x[i + d/2])`: ggml's NeoX mode (Qwen 2, unpermuted weights).
        case halves = "neox"
    }

    /// Architectures this forward pass runs, by their `general.architecture` name.
    public static let supportedArchitectures = ["llama", "qwen2"]

    /// `general.architecture`, the prefix of every hyperparameter key.
    public var architecture: String
    public var layerCount: Int
    /// Width of the residual stream (576 for SmolLM2-135M).
    public var embeddingLength: Int
    /// Hidden width of the SwiGLU feed-forward block.
    public var feedForwardLength: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDimension: Int
    public var ropeBase: Double
    public var ropeLayout: RopeLayout
    /// Linear RoPE scaling (`rope.scaling.type` = `linear`): positions are divided by it (1: none).
    public var ropeLinearFactor: Double
    public var rmsEpsilon: Float
    /// Longest sequence the model was trained for.
    public var contextLength: Int
    public var vocabularySize: Int
    /// Keys a query sees, its own included (`attention.sliding_window`); nil: the whole context.
    public var slidingWindow: Int?

    public init(
        architecture: String = "llama", layerCount: Int, embeddingLength: Int, feedForwardLength: Int,
        headCount: Int, kvHeadCount: Int, headDimension: Int, ropeBase: Double,
        ropeLayout: RopeLayout = .adjacentPairs, ropeLinearFactor: Double = 1, rmsEpsilon: Float,
        contextLength: Int, vocabularySize: Int, slidingWindow: Int? = nil
    ) {
        self.architecture = architecture
        self.layerCount = layerCount
        self.embeddingLength = embeddingLength
        self.feedForwardLength = feedForwardLength
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDimension = headDimension
        self.ropeBase = ropeBase
        self.ropeLayout = ropeLayout
        self.ropeLinearFactor = ropeLinearFactor
        self.rmsEpsilon = rmsEpsilon
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
        self.slidingWindow = slidingWindow
    }

    /// Query heads that share one key/value head.
    public var groupSize: Int { headCount / kvHeadCount }
    /// Width of the keys (and of the values) of one token.
    public var kvWidth: Int { kvHeadCount * headDimension }
    /// Width of the attention's query heads together (the model width in every supported family).
    public var queryWidth: Int { headCount * headDimension }

    /// Reads `<architecture>.*` metadata; every missing, inconsistent or unsupported key is an
    /// error naming it.
    public init(gguf: GGUFFile) throws {
        let architecture = gguf.architecture ?? "llama"
        guard Self.supportedArchitectures.contains(architecture) else {
            throw CPUError.invalidMetadata(
                key: "general.architecture",
                reason: "'\(architecture)' is not supported (supported: llama — Llama 2/3.x, Mistral, SmolLM — "
                    + "and qwen2 — Qwen 2/2.5)")
        }
        let prefix = architecture + "."
        func integer(_ key: String) throws -> Int {
            guard let value = gguf.metadata[prefix + key] else {
                throw CPUError.missingMetadata(key: prefix + key)
            }
            guard let number = value.int, number > 0 else {
                throw CPUError.invalidMetadata(key: prefix + key, reason: "expected a positive integer")
            }
            return number
        }
        let width = try integer("embedding_length")
        let heads = try integer("attention.head_count")
        let kvHeads = gguf.metadata[prefix + "attention.head_count_kv"] == nil
            ? heads : try integer("attention.head_count_kv")
        guard width % heads == 0, heads % kvHeads == 0 else {
            throw CPUError.invalidMetadata(
                key: prefix + "attention.head_count",
                reason: "\(heads) heads / \(kvHeads) KV heads do not divide width \(width)")
        }
        let headDimension = width / heads
        if let keyLength = gguf.metadata[prefix + "attention.key_length"]?.int, keyLength != headDimension {
            throw CPUError.invalidMetadata(
                key: prefix + "attention.key_length",
                reason: "heads of \(keyLength) dimensions in a width of \(width) / \(heads) heads are not supported")
        }
        guard headDimension % 16 == 0 else {
            throw CPUError.invalidMetadata(
                key: prefix + "attention.head_count",
                reason: "head width \(headDimension) is not a multiple of 16 (the attention kernel's step)")
        }
        if let rope = gguf.metadata[prefix + "rope.dimension_count"]?.int, rope != headDimension {
            throw CPUError.invalidMetadata(
                key: prefix + "rope.dimension_count",
                reason: "partial RoPE (\(rope) of \(headDimension) dimensions) is not supported")
        }
        guard let epsilon = gguf.metadata[prefix + "attention.layer_norm_rms_epsilon"]?.double else {
            throw CPUError.missingMetadata(key: prefix + "attention.layer_norm_rms_epsilon")
        }
        let embedding = try gguf.tensor(named: "token_embd.weight")
        guard embedding.dimensions.count == 2, embedding.dimensions[0] == width else {
            throw CPUError.invalidTensorShape(
                tensor: embedding.name, dimensions: embedding.dimensions,
                reason: "expected [\(width), vocabulary]")
        }
        var window: Int?
        if gguf.metadata[prefix + "attention.sliding_window"] != nil {
            window = try integer("attention.sliding_window")
        }
        self.init(
            architecture: architecture, layerCount: try integer("block_count"), embeddingLength: width,
            feedForwardLength: try integer("feed_forward_length"), headCount: heads,
            kvHeadCount: kvHeads, headDimension: headDimension,
            ropeBase: gguf.metadata[prefix + "rope.freq_base"]?.double ?? 10_000,
            ropeLayout: architecture == "qwen2" ? .halves : .adjacentPairs,
            ropeLinearFactor: try Self.ropeLinearFactor(gguf, prefix: prefix),
            rmsEpsilon: Float(epsilon), contextLength: try integer("context_length"),
            vocabularySize: embedding.dimensions[1], slidingWindow: window)
    }

    /// The linear RoPE factor, or an error naming the scaling this forward pass does not do.
    /// Llama 3.x's own scaling comes as the `rope_freqs.weight` tensor, not as a type here.
    static func ropeLinearFactor(_ gguf: GGUFFile, prefix: String) throws -> Double {
        let key = prefix + "rope.scaling.type"
        let type = gguf.metadata[key].map { $0.string ?? "\($0)" } ?? "none"
        switch type {
        case "none", "":
            return 1
        case "linear":
            let factorKey = prefix + "rope.scaling.factor"
            guard let factor = gguf.metadata[factorKey]?.double else { return 1 }
            guard factor > 0 else { throw CPUError.invalidMetadata(key: factorKey, reason: "must be positive, got \(factor)") }
            return factor
        default:
            throw CPUError.invalidMetadata(
                key: key, reason: "RoPE scaling '\(type)' is not supported (supported: none, linear, "
                    + "and Llama 3's scaling through the rope_freqs.weight tensor)")
        }
    }
}
