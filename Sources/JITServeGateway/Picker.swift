import JITServeCore
import JITServeRouter

/// The endpoint picker: one router policy, fed the endpoint table's snapshots, told what
/// happened to each request it placed (GAIE's "assumed load": a picked endpoint carries the
/// request's load until its response ends).
///
/// An actor because a router keeps its own record (mutating hooks); a decision is one
/// `Router.route` call on a copy of the table, so the ext_proc server and the reverse proxy
/// decide exactly as the simulator's router does.
public actor Picker {
    private struct Placement {
        var request: RoutingRequest
        var endpoint: String
        var isFinalCall: Bool
    }

    private var router: any Router
    public nonisolated let table: EndpointTable
    /// Endpoints a routed answer names at most (the pick and its fallbacks).
    public nonisolated let maxEndpoints: Int
    private nonisolated let clock: WallClock
    private var nextID: UInt64 = 1
    private var placements: [RequestID: Placement] = [:]
    /// Decisions made, by kind: the gateway's own counters.
    public private(set) var counts = Counts()

    public struct Counts: Sendable, Equatable {
        public var routed = 0
        public var shed = 0
        public var noneReady = 0
    }

    public init(router: any Router, table: EndpointTable, maxEndpoints: Int = 3, clock: WallClock = WallClock()) {
        self.router = router
        self.table = table
        self.maxEndpoints = max(1, maxEndpoints)
        self.clock = clock
    }

    /// The picker's clock (requests' arrival instants come from it).
    public nonisolated func now() -> Instant { clock.now() }

    /// Decides where `request` goes; it is given its ID here (returned with the outcome).
    ///
    /// - Parameter subset: When given, only these endpoints may be picked (GAIE's
    ///   `x-gateway-destination-endpoint-subset`); none of them ready means `.noneReady`.
    public func pick(
        _ request: RoutingRequest, isFinalCall: Bool = false, subset: Set<String>? = nil
    ) -> (request: RoutingRequest, outcome: PickOutcome) {
        var request = request
        request.id = RequestID(nextID)
        nextID += 1
        var endpoints = table.snapshots()
        if let subset { endpoints.removeAll { !subset.contains($0.endpoint) } }
        guard endpoints.contains(where: \.isReady) else {
            counts.noneReady += 1
            return (request, .noneReady)
        }
        let decision = router.route(&request, endpoints: endpoints, now: clock.now())
        switch decision {
        case .route(let order):
            let names = order.lazy.filter { endpoints.indices.contains($0) && endpoints[$0].isReady }
                .map { endpoints[$0].endpoint }.prefix(maxEndpoints)
            guard let first = names.first else {
                counts.noneReady += 1
                return (request, .noneReady)
            }
            placements[request.id] = Placement(request: request, endpoint: first, isFinalCall: isFinalCall)
            counts.routed += 1
            return (request, .route(Array(names)))
        case .shed(let retryAfter):
            counts.shed += 1
            return (request, .shed(retryAfter: retryAfter))
        case .noneReady:
            counts.noneReady += 1
            return (request, .noneReady)
        }
    }

    /// The request went to `endpoint` after all (its pick refused, a fallback took it): its
    /// assumed load moves there.
    public func served(_ id: RequestID, at endpoint: String) {
        guard var placement = placements[id], placement.endpoint != endpoint else { return }
        let now = clock.now()
        router.didFinish(placement.request, at: placement.endpoint, outputTokenCount: nil, now: now)
        router.didRoute(placement.request, to: endpoint, at: now)
        placement.endpoint = endpoint
        placements[id] = placement
    }

    /// The request's response ended (finished, failed or cancelled); `outputTokenCount` when
    /// the response said (its `usage`), so a learning router can use it.
    public func finish(_ id: RequestID, outputTokenCount: Int?) {
        guard let placement = placements.removeValue(forKey: id) else { return }
        router.didFinish(placement.request, at: placement.endpoint, outputTokenCount: outputTokenCount, now: clock.now())
        if placement.isFinalCall, let workflow = placement.request.workflowID { router.didFinishWorkflow(workflow) }
    }

    /// Requests placed and not yet finished.
    public var inFlightCount: Int { placements.count }
}
