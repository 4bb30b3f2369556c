import JITServeCore

/// What a router sees of an arriving request: what its headers and body say (prompt size, the
/// output cap, the SLO with workflow ID and stage, the application), never its true length.
public struct RoutingRequest: Sendable {
    /// The router's own name for it, unique among requests in flight (it pairs `didRoute` with
    /// `didFinish`).
    public var id: RequestID
    public var arrivedAt: Instant
    public var promptTokenCount: Int
    /// The prompt's text, when the router has it (the length forest reads it).
    public var promptText: String?
    /// `max_tokens`.
    public var maxOutputTokens: Int
    public var slo: SLO
    public var application: String?
    /// Its output-length distribution, from the estimator the schedulers are given; attached by
    /// `Router.prepare` (policies that need it), or by hand in tests. nil: unknown.
    public var length: LengthDistribution?

    public init(
        id: RequestID, arrivedAt: Instant, promptTokenCount: Int, promptText: String? = nil, maxOutputTokens: Int,
        slo: SLO, application: String? = nil, length: LengthDistribution? = nil
    ) {
        self.id = id
        self.arrivedAt = arrivedAt
        self.promptTokenCount = promptTokenCount
        self.promptText = promptText
        self.maxOutputTokens = maxOutputTokens
        self.slo = slo
        self.application = application
        self.length = length
    }

    /// The routing view of an engine request (what a proxy would have parsed from it).
    public init(_ request: Request) {
        self.init(
            id: request.id, arrivedAt: request.arrivedAt, promptTokenCount: request.promptTokenCount,
            promptText: request.promptText, maxOutputTokens: request.maxOutputTokens, slo: request.slo,
            application: request.application)
    }

    /// The request as a length estimator reads it.
    public var request: Request {
        Request(
            id: id, arrivedAt: arrivedAt, promptTokenCount: promptTokenCount, promptText: promptText,
            maxOutputTokens: maxOutputTokens, slo: slo, application: application)
    }

    public var workflowID: WorkflowID? { slo.workflowID }

    /// Output tokens at `quantile` of its length distribution, capped by `maxOutputTokens`
    /// (the cap itself when the distribution is unknown).
    public func outputBound(quantile: Double) -> Int {
        guard let length else { return maxOutputTokens }
        return max(1, min(maxOutputTokens, length.upperBound(quantile: quantile)))
    }

    /// Expected output tokens (the cap when unknown).
    public var expectedOutputTokens: Double {
        guard let length else { return Double(maxOutputTokens) }
        return min(Double(maxOutputTokens), length.expectedLength())
    }
}
