import JITServeCore

/// How `jitserve serve` listens and what it promises. (Admission control — the waiting-queue
/// cap and SLO-based shedding — is the engine's: `EngineConfiguration.admission`, so that the
/// simulator sheds by the same setting.)
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 asks the system for a free port (see `OpenAIServer.boundPort`).
    public var port: Int
    /// When set, every request but `/health` and `/metrics` needs `Authorization: Bearer <key>`.
    public var apiKey: APIKey?
    /// The name clients put in `model` (and `/v1/models` lists).
    public var servedModelName: String
    /// What the name refers to (`/v1/models` `root`): a file path or hub-style name.
    public var modelRoot: String
    /// The SLO of a request that carries none.
    public var defaultSLO: SLO
    /// Largest request body accepted (413 above it).
    public var maxBodyBytes: Int
    /// How long in-flight streams may run on after SIGTERM/SIGINT.
    public var shutdownGrace: Duration
    /// Output cap of a request without `max_tokens`; nil means up to the context (as vLLM).
    public var defaultMaxTokens: Int?
    /// Caps on what one request may ask for, beyond the body size and the model's context.
    public var requestLimits: RequestSizeLimits

    public init(
        host: String = "127.0.0.1", port: Int = 8000, apiKey: String? = nil, servedModelName: String,
        modelRoot: String? = nil, defaultSLO: SLO = .latency(ttft: .milliseconds(800), tbt: .milliseconds(80)),
        maxBodyBytes: Int = 4 << 20, shutdownGrace: Duration = .seconds(10),
        defaultMaxTokens: Int? = nil, requestLimits: RequestSizeLimits = RequestSizeLimits()
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey.map(APIKey.init)
        self.servedModelName = servedModelName
        self.modelRoot = modelRoot ?? servedModelName
        self.defaultSLO = defaultSLO
        self.maxBodyBytes = maxBodyBytes
        self.shutdownGrace = shutdownGrace
        self.defaultMaxTokens = defaultMaxTokens
        self.requestLimits = requestLimits
    }
}
