import JITServeCore

/// A replica-selection policy (DESIGN §10): one arrival at a time, from replica snapshots only.
///
/// `decide` is a pure function of the request, the snapshots, the clock and the router's own
/// record of what it sent where (so every policy is testable from a hand-built table); the hooks
/// are how a GAIE picker keeps that record: it assumes a picked endpoint's load until the
/// response ends, and remembers where each workflow's calls went.
public protocol Router: Sendable {
    /// The policy's CLI name (`round-robin`, `least-loaded`, `gaie-default`, `slo-headroom`, `jitserve`).
    var name: String { get }
    /// False for a policy that reads only vLLM's gauges: its scraper (or the simulator) need
    /// not gather the `jitserve:*` load, which costs a pass over every held request.
    var readsReplicaLoad: Bool { get }

    /// Attaches what the policy wants to know before deciding, e.g. the length estimator's
    /// distribution. Mutating: an online estimator remembers what it told each request.
    mutating func prepare(_ request: inout RoutingRequest)

    /// Where `request` should go, given `endpoints` (the snapshot of each replica) at `now`.
    func decide(_ request: RoutingRequest, endpoints: [ReplicaSnapshot], now: Instant) -> RoutingDecision

    /// The request was sent to `endpoint`.
    mutating func didRoute(_ request: RoutingRequest, to endpoint: String, at now: Instant)
    /// The request was refused (429) by this router.
    mutating func didShed(_ request: RoutingRequest, at now: Instant)
    /// The request's response ended at `endpoint` (finished, failed or cancelled); its output
    /// length when known, so an online estimator can learn from it.
    mutating func didFinish(_ request: RoutingRequest, at endpoint: String, outputTokenCount: Int?, now: Instant)
    /// Every call of `workflow` is done: its state can go.
    mutating func didFinishWorkflow(_ workflow: WorkflowID)
}

extension Router {
    public var readsReplicaLoad: Bool { true }
    public mutating func prepare(_ request: inout RoutingRequest) {}
    public mutating func didRoute(_ request: RoutingRequest, to endpoint: String, at now: Instant) {}
    public mutating func didShed(_ request: RoutingRequest, at now: Instant) {}
    public mutating func didFinish(_ request: RoutingRequest, at endpoint: String, outputTokenCount: Int?, now: Instant) {}
    public mutating func didFinishWorkflow(_ workflow: WorkflowID) {}

    /// Prepares, decides and records the decision: what a picker does per request.
    public mutating func route(_ request: inout RoutingRequest, endpoints: [ReplicaSnapshot], now: Instant) -> RoutingDecision {
        prepare(&request)
        let decision = decide(request, endpoints: endpoints, now: now)
        switch decision {
        case .route(let order): if let first = order.first { didRoute(request, to: endpoints[first].endpoint, at: now) }
        case .shed: didShed(request, at: now)
        case .noneReady: break
        }
        return decision
    }
}
