/// One LLM call as the engine receives it.
///
/// It carries what a serving system is told up front — the prompt, a cap on output, an SLO —
/// and never the true output length: that is unknown until the model stops. (A simulated
/// executor keeps the trace's length on its own side; only policies named `…-oracle` are told.)
public struct Request: Identifiable, Sendable {
    public let id: RequestID
    public var arrivedAt: Instant
    public var promptTokenCount: Int
    /// The prompt's token IDs, when a real model serves the request.
    public var promptTokenIDs: [Int32]?
    /// The prompt's text, when known (the length predictor reads it).
    public var promptText: String?
    /// Hard cap on generated tokens (`max_tokens`).
    public var maxOutputTokens: Int
    public var slo: SLO
    public var sampling: SamplingParameters
    /// A free-form application label (`chat`, `tot`, `metagpt`, …) for reports and the analyzer.
    public var application: String?

    public init(
        id: RequestID, arrivedAt: Instant, promptTokenCount: Int, promptTokenIDs: [Int32]? = nil,
        promptText: String? = nil, maxOutputTokens: Int, slo: SLO,
        sampling: SamplingParameters = .greedy, application: String? = nil
    ) {
        self.id = id
        self.arrivedAt = arrivedAt
        self.promptTokenCount = promptTokenCount
        self.promptTokenIDs = promptTokenIDs
        self.promptText = promptText
        self.maxOutputTokens = maxOutputTokens
        self.slo = slo
        self.sampling = sampling
        self.application = application
    }

    public var kind: SLOKind { slo.kind }

    /// A call capped at one token: it scores a prompt (lm-evaluation-harness's log-likelihood,
    /// completions' `echo` with `max_tokens: 0`) rather than asking for an answer, so its output
    /// length says nothing about how long answers are.
    public var isScoringCall: Bool { maxOutputTokens <= 1 }
}
