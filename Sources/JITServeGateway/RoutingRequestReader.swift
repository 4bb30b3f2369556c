import JITServeCore
import JITServeHTTP
import JITServeRouter

/// Turns an inference request as a proxy sees it (path, headers, body) into what a router is
/// told: the same fields a jitserve replica reads, validated by the same parser, so a request
/// the replica would refuse gets the replica's 400 from the gateway.
public struct RoutingRequestReader: Sendable {
    /// What the gateway read off one request.
    public struct Reading: Sendable {
        public var request: RoutingRequest
        /// False for anything but `POST /v1/chat/completions` or `/v1/completions` (models,
        /// health…): routed to any ready replica, with no SLO to weigh.
        public var isGeneration: Bool
        /// The client marked the workflow's last call (`slo.final` or `x-workflow-final`).
        public var isFinalCall: Bool
        public var isStream: Bool
    }

    /// The SLO of a request that names none (the replicas' `--default-slo` should match).
    public var defaultSLO: SLO
    /// `max_tokens` assumed when a request omits it.
    public var defaultMaxTokens: Int
    /// Workflow names to IDs and start times: a compound deadline runs from the first call the
    /// gateway saw.
    public let workflows: WorkflowRegistry

    public init(defaultSLO: SLO, defaultMaxTokens: Int = 1024, workflows: WorkflowRegistry = WorkflowRegistry()) {
        self.defaultSLO = defaultSLO
        self.defaultMaxTokens = defaultMaxTokens
        self.workflows = workflows
    }

    /// Header naming the workflow's last call.
    public static let finalCallHeader = "x-workflow-final"

    /// - Parameters:
    ///   - method: `POST`, `GET`…
    ///   - path: The request path, query included.
    ///   - header: Looks a header up by lower-case name.
    /// - Throws: `HTTPError` naming the field or header at fault.
    public func read(
        method: String, path: String, header: (String) -> String?, body: [UInt8], now: Instant
    ) throws(HTTPError) -> Reading {
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        let endpoint: GenerationRequest.Endpoint? =
            method.uppercased() != "POST" ? nil
            : route.hasSuffix("/chat/completions") ? .chat : route.hasSuffix("/completions") ? .completion : nil
        guard let endpoint else {
            let request = RoutingRequest(
                id: RequestID(0), arrivedAt: now, promptTokenCount: 1, maxOutputTokens: 1, slo: defaultSLO)
            return Reading(request: request, isGeneration: false, isFinalCall: false, isStream: false)
        }
        let parsed = try GenerationRequest.parse(body, endpoint: endpoint)
        let headerSLO = try SLOSpec.parse(headers: header)
        let slo = try parsed.slo.filling(from: headerSLO).resolve(default: defaultSLO) { name in
            let entry = workflows.start(name, now: now)
            return (entry.id, entry.startedAt)
        }
        var isFinal = ["true", "1", "yes"].contains(header(Self.finalCallHeader)?.trimmingWhitespace.lowercased() ?? "")
        if !isFinal, slo.workflowID != nil, case .bool(true)? = (try? JSONValue.parse(body))?["slo"]?["final"] {
            isFinal = true
        }
        let request = RoutingRequest(
            id: RequestID(0), arrivedAt: now, promptTokenCount: Self.estimatedTokenCount(parsed.prompt),
            promptText: Self.text(parsed.prompt), maxOutputTokens: parsed.maxTokens ?? defaultMaxTokens, slo: slo,
            application: endpoint == .chat ? "chat" : "completion")
        return Reading(request: request, isGeneration: true, isFinalCall: isFinal, isStream: parsed.stream)
    }

    /// Prompt tokens as the gateway estimates them: exact for token IDs; for text, a byte count
    /// over four (the gateway has no tokenizer: replicas may serve different models), plus a
    /// few tokens of chat template per message.
    static func estimatedTokenCount(_ prompt: GenerationRequest.Prompt) -> Int {
        switch prompt {
        case .tokens(let ids): return ids.count
        case .text(let text): return max(1, (text.utf8.count + 3) / 4)
        case .chat(let messages, _): return max(1, messages.reduce(0) { $0 + ($1.content.utf8.count + 3) / 4 + 4 })
        }
    }

    /// The prompt's text, for the length forest (nil for token IDs).
    static func text(_ prompt: GenerationRequest.Prompt) -> String? {
        switch prompt {
        case .tokens: nil
        case .text(let text): text
        case .chat(let messages, _): messages.map(\.content).joined(separator: "\n")
        }
    }
}
