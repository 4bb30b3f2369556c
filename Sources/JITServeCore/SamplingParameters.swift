/// How a real model turns logits into the next token. Plain data: the engine passes it through
/// to the executor; a simulated executor ignores it.
public struct SamplingParameters: Hashable, Sendable {
    /// 0 means greedy.
    public var temperature: Double
    /// 0 means no top-k cut.
    public var topK: Int
    /// 1 means no nucleus cut.
    public var topP: Double
    /// Seed of the request's own random stream; nil draws one from the request ID.
    public var seed: UInt64?
    /// Generation stops when the decoded text ends with any of these (the stop string is cut).
    public var stopStrings: [String]
    /// Keep generating past end-of-sequence until `maxOutputTokens`.
    public var ignoreEOS: Bool
    /// End-of-sequence is suppressed until this many tokens have been generated.
    public var minTokens: Int
    /// Log-probabilities returned with each output token: nil for none; k for the chosen
    /// token's and the k most likely tokens' (OpenAI's `logprobs` / `top_logprobs`).
    public var logprobCount: Int?
    /// The same for every prompt token after the first (completions' `echo` with `logprobs`).
    public var promptLogprobCount: Int?

    public init(
        temperature: Double = 0, topK: Int = 0, topP: Double = 1, seed: UInt64? = nil,
        stopStrings: [String] = [], ignoreEOS: Bool = false, minTokens: Int = 0, logprobCount: Int? = nil,
        promptLogprobCount: Int? = nil
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
        self.stopStrings = stopStrings
        self.ignoreEOS = ignoreEOS
        self.minTokens = minTokens
        self.logprobCount = logprobCount
        self.promptLogprobCount = promptLogprobCount
    }

    public static let greedy = SamplingParameters()
}
