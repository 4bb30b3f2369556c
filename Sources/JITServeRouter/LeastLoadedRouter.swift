import JITServeCore

/// `least-loaded`: the ready endpoint holding the fewest requests (running plus waiting, plus
/// those this router sent since its last scrape), ties to the lowest index; every call of a
/// workflow to the endpoint its first call went to. The simulator's default, as it balanced
/// before routers were pluggable.
public struct LeastLoadedRouter: Router {
    public let name = "least-loaded"
    public var readsReplicaLoad: Bool { false }
    public private(set) var ledger: RoutingLedger

    public init(ledger: RoutingLedger = RoutingLedger()) { self.ledger = ledger }

    public func decide(_ request: RoutingRequest, endpoints: [ReplicaSnapshot], now: Instant) -> RoutingDecision {
        let view = ledger.withAssumedLoad(endpoints)
        let ranked = view.indices.filter { view[$0].isReady }
            .sorted { (view[$0].requestCount, $0) < (view[$1].requestCount, $1) }
        guard !ranked.isEmpty else { return .noneReady }
        var order = Array(ranked.prefix(RouterDefaults.candidateCount))
        if let wf = request.workflowID, let home = ledger.endpoint(of: wf),
           let i = view.firstIndex(where: { $0.endpoint == home }), view[i].isReady {
            order.removeAll { $0 == i }
            order.insert(i, at: 0)
        }
        return .route(order)
    }

    public mutating func didRoute(_ request: RoutingRequest, to endpoint: String, at now: Instant) {
        ledger.noteRouted(request, to: endpoint, workTokens: 0, at: now)
    }

    public mutating func didFinish(_ request: RoutingRequest, at endpoint: String, outputTokenCount: Int?, now: Instant) {
        ledger.noteFinished(request, at: endpoint)
    }

    public mutating func didFinishWorkflow(_ workflow: WorkflowID) { ledger.forgetWorkflow(workflow) }
}
