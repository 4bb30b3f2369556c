import JITServeCore

/// A request from a trace, with the output length the trace recorded. The length stays on the
/// simulation's side (the simulated executor stops the request there); schedulers never see it.
public struct TracedRequest: Sendable {
    public var request: Request
    public var outputTokenCount: Int

    public init(request: Request, outputTokenCount: Int) {
        self.request = request
        self.outputTokenCount = outputTokenCount
    }
}

/// A compound request from a trace: its true shape, when it starts, and its end-to-end deadline.
/// The driver releases each stage's calls when the previous stage has finished.
public struct TracedWorkflow: Sendable {
    public var spec: WorkflowSpec
    public var arrivedAt: Instant
    public var deadline: Duration
    /// SLO tier (1 is the tightest) the deadline was scaled by.
    public var tier: Int
    /// `max_tokens` each call is sent with (raised to a call's true length if that is longer);
    /// nil: `PaperMix.maxOutputTokensFloor`, large enough never to cut a traced length.
    public var maxOutputTokens: Int?

    public init(spec: WorkflowSpec, arrivedAt: Instant, deadline: Duration, tier: Int, maxOutputTokens: Int? = nil) {
        self.spec = spec
        self.arrivedAt = arrivedAt
        self.deadline = deadline
        self.tier = tier
        self.maxOutputTokens = maxOutputTokens
    }
}

/// Everything a simulation replays: independent requests and workflows, in arrival order.
public struct Workload: Sendable {
    public var name: String
    /// Latency and deadline requests, sorted by arrival.
    public var requests: [TracedRequest]
    /// Compound requests, sorted by arrival.
    public var workflows: [TracedWorkflow]
    /// The arrival window goodput is divided by.
    public var duration: Duration
    /// What the user should hear about how the workload was read: rows of a trace file that
    /// could not be replayed and were left out.
    public var notes: [String] = []

    public init(name: String, requests: [TracedRequest], workflows: [TracedWorkflow], duration: Duration) {
        self.name = name
        self.requests = requests.sorted { $0.request.arrivedAt < $1.request.arrivedAt }
        self.workflows = workflows.sorted { $0.arrivedAt < $1.arrivedAt }
        self.duration = duration
    }

    /// Calls in the workload, counting every call of every workflow.
    public var callCount: Int { requests.count + workflows.reduce(0) { $0 + $1.spec.callCount } }
}
