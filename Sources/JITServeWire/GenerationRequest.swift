import JITServeCore

/// A parsed `POST /v1/chat/completions` or `POST /v1/completions` body: everything the server
/// uses, validated, with OpenAI's defaults applied. Unknown fields were ignored, and so is
/// vLLM's `priority`: no policy here orders requests by a client-given rank (JITServe ranks by
/// each request's own SLO).
public struct GenerationRequest: Sendable {
    public enum Endpoint: String, Sendable {
        case chat = "chat.completion"
        case completion = "text_completion"
    }

    public enum Prompt: Equatable, Sendable {
        case text(String)
        case tokens([Int32])
        case chat([ChatMessage], addGenerationPrompt: Bool)

        /// The field the prompt came from, for error messages.
        public var field: String {
            switch self {
            case .text, .tokens: "prompt"
            case .chat: "messages"
            }
        }
    }

    public var endpoint: Endpoint
    /// The model asked for; nil means the served one.
    public var model: String?
    public var prompt: Prompt
    /// `max_completion_tokens`, else `max_tokens`; nil means up to the context.
    public var maxTokens: Int?
    public var sampling: SamplingParameters
    public var stream: Bool
    /// `stream_options.include_usage`.
    public var includeUsage: Bool
    /// The body's `slo` object.
    public var slo: SLOSpec
    /// `n`: answers to generate for the prompt, each its own engine request.
    public var choiceCount = 1
    /// Completions' `echo`: the prompt is returned before the answer (with its log-probabilities
    /// when `logprobs` is set; `sampling.promptLogprobCount` then says how many alternatives).
    public var echo = false
    /// `echo` with `max_tokens: 0` (completions): the prompt alone comes back, with its
    /// log-probabilities when asked for, and nothing is generated — how log-likelihood
    /// evaluations score a text (OpenAI's legacy API and vLLM take it so).
    public var echoesPromptOnly: Bool { echo && maxTokens == 0 }
    /// jitserve: the application the request belongs to (`application`, or header
    /// `x-application`): length estimates and workflow patterns are learnt per application.
    public var application: String?
    /// jitserve, for trace replays: end the answer after this many tokens as if the model had
    /// stopped (`replay_output_tokens`; see `SubmissionOptions.replayedOutputTokenCount`).
    public var replayOutputTokens: Int?

    public init(
        endpoint: Endpoint, model: String? = nil, prompt: Prompt, maxTokens: Int? = nil,
        sampling: SamplingParameters = .greedy, stream: Bool = false, includeUsage: Bool = false,
        slo: SLOSpec = SLOSpec()
    ) {
        self.endpoint = endpoint
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stream = stream
        self.includeUsage = includeUsage
        self.slo = slo
    }
}
