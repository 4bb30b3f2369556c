/// Why a request stopped generating.
public enum FinishReason: String, Codable, Hashable, Sendable {
    /// The model emitted end-of-sequence, the text reached a stop string, or a simulated request
    /// reached its trace length.
    case stop
    /// `maxOutputTokens` reached.
    case length
    /// The client went away, or the caller cancelled it.
    case cancelled
    /// The engine could not serve it (e.g. a prompt larger than the whole KV cache).
    case rejected
    /// Refused with HTTP 429 before any engine held it: by admission control (the queue is full,
    /// or its SLO cannot be met), or by a router (no replica could serve it in time).
    case shed
}

/// What happened to one request, in time: the raw material of goodput accounting.
public struct RequestTimeline: Hashable, Sendable {
    public var arrivedAt: Instant
    /// First iteration that computed any of its tokens.
    public var firstScheduledAt: Instant?
    /// Delivery instant of each output token, in order.
    public var tokenDeliveredAt: [Instant]
    public var finishedAt: Instant?
    public var finishReason: FinishReason?
    public var preemptionCount: Int
    /// Prompt tokens whose KV the prefix cache supplied when it was last admitted before its
    /// first token (OpenAI's `usage.prompt_tokens_details.cached_tokens`).
    public var cachedPromptTokenCount = 0

    public init(arrivedAt: Instant) {
        self.arrivedAt = arrivedAt
        self.tokenDeliveredAt = []
        self.preemptionCount = 0
    }

    public var isFinished: Bool { finishedAt != nil }
    public var outputTokenCount: Int { tokenDeliveredAt.count }

    /// Time to first token.
    public var ttft: Duration? { tokenDeliveredAt.first.map { $0 - arrivedAt } }
    /// Arrival to finish.
    public var endToEnd: Duration? { finishedAt.map { $0 - arrivedAt } }
    /// Arrival to first scheduled iteration.
    public var queueing: Duration? { firstScheduledAt.map { $0 - arrivedAt } }
}

/// A request together with its timeline: one row of a run's outcome.
public struct RequestRecord: Sendable {
    public var request: Request
    public var timeline: RequestTimeline

    public init(request: Request, timeline: RequestTimeline) {
        self.request = request
        self.timeline = timeline
    }
}
