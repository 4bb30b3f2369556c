/// The shape of a served model: what KV capacity and swap cost are computed from.
public struct ModelSpec: Sendable, Equatable {
    /// CLI spelling (`--model`).
    public let name: String
    public let layerCount: Int
    public let hiddenSize: Int
    public let intermediateSize: Int
    public let queryHeadCount: Int
    public let kvHeadCount: Int
    public let headDimension: Int
    public let vocabularySize: Int
    public let parameterCount: Int
    /// Longest sequence (prompt + output) the model accepts.
    public let maxModelLength: Int

    public init(
        name: String, layerCount: Int, hiddenSize: Int, intermediateSize: Int, queryHeadCount: Int,
        kvHeadCount: Int, headDimension: Int, vocabularySize: Int, parameterCount: Int, maxModelLength: Int
    ) {
        self.name = name
        self.layerCount = layerCount
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.queryHeadCount = queryHeadCount
        self.kvHeadCount = kvHeadCount
        self.headDimension = headDimension
        self.vocabularySize = vocabularySize
        self.parameterCount = parameterCount
        self.maxModelLength = maxModelLength
    }

    /// Meta Llama-3.1-8B (config.json of meta-llama/Llama-3.1-8B; 8,030,261,248 parameters).
    public static let llama31_8B = ModelSpec(
        name: "llama-3.1-8b", layerCount: 32, hiddenSize: 4096, intermediateSize: 14336, queryHeadCount: 32,
        kvHeadCount: 8, headDimension: 128, vocabularySize: 128_256, parameterCount: 8_030_261_248,
        maxModelLength: 131_072)

    /// Meta Llama-3-70B (config.json of meta-llama/Meta-Llama-3-70B; 70,553,706,496 parameters).
    public static let llama3_70B = ModelSpec(
        name: "llama-3-70b", layerCount: 80, hiddenSize: 8192, intermediateSize: 28672, queryHeadCount: 64,
        kvHeadCount: 8, headDimension: 128, vocabularySize: 128_256, parameterCount: 70_553_706_496,
        maxModelLength: 8192)

    /// Every model the simulator has tables for.
    public static let catalogue: [ModelSpec] = [.llama31_8B, .llama3_70B]

    /// Bytes of K and V (bf16) one token keeps in every layer, over all GPUs.
    public var kvBytesPerToken: Int { 2 * layerCount * kvHeadCount * headDimension * 2 }
}
