import JITServeCore
import JITServeRouter
import Synchronization

/// The endpoint picker: one router policy, fed the endpoint table's snapshots, told what
/// happened to each request it placed (GAIE's "assumed load": a picked endpoint carries the
/// request's load until its response ends).
///
/// The router keeps its own record (mutating hooks), so its state sits behind one lock; a
/// decision is one `Router.route` call on a copy of the table, so the ext_proc server and the
/// reverse proxy decide exactly as the simulator's router does. A lock, not an actor: a
/// decision takes microseconds, and an actor would cost each request two hops between threads
/// (in and out of its executor) for every pick and every finish.
public final class Picker: Sendable {
    private struct Placement {
        var request: RoutingRequest
        var endpoint: String
        var isFinalCall: Bool
    }

    private struct State {
        var router: any Router
        var nextID: UInt64 = 1
        var placements: [RequestID: Placement] = [:]
        var counts = Counts()
    }

    private let state: Mutex<State>
    public let table: EndpointTable
    /// Endpoints a routed answer names at most (the pick and its fallbacks).
    public let maxEndpoints: Int
    private let clock: WallClock

    /// Decisions made, by kind: the gateway's own counters.
    public var counts: Counts { state.withLock { $0.counts } }

    public struct Counts: Sendable, Equatable {
        public var routed = 0
        public var shed = 0
        public var noneReady = 0
    }

    public init(router: any Router, table: EndpointTable, maxEndpoints: Int = 3, clock: WallClock = WallClock()) {
        state = Mutex(State(router: router))
        self.table = table
        self.maxEndpoints = max(1, maxEndpoints)
        self.clock = clock
    }

    /// The picker's clock (requests' arrival instants come from it).
    public func now() -> Instant { clock.now() }

    /// Decides where `request` goes; it is given its ID here (returned with the outcome).
    ///
    /// - Parameter subset: When given, only these endpoints may be picked (GAIE's
    ///   `x-gateway-destination-endpoint-subset`); none of them ready means `.noneReady`.
    public func pick(
        _ request: RoutingRequest, isFinalCall: Bool = false, subset: Set<String>? = nil
    ) -> (request: RoutingRequest, outcome: PickOutcome) {
        var endpoints = table.snapshots()
        if let subset { endpoints.removeAll { !subset.contains($0.endpoint) } }
        let now = clock.now()
        return state.withLock { state in
            var request = request
            request.id = RequestID(state.nextID)
            state.nextID += 1
            guard endpoints.contains(where: \.isReady) else {
                state.counts.noneReady += 1
                return (request, .noneReady)
            }
            let decision = state.router.route(&request, endpoints: endpoints, now: now)
            switch decision {
            case .route(let order):
                let names = order.lazy.filter { endpoints.indices.contains($0) && endpoints[$0].isReady }
                    .map { endpoints[$0].endpoint }.prefix(maxEndpoints)
                guard let first = names.first else {
                    state.counts.noneReady += 1
                    return (request, .noneReady)
                }
                state.placements[request.id] = Placement(request: request, endpoint: first, isFinalCall: isFinalCall)
                state.counts.routed += 1
                return (request, .route(Array(names)))
            case .shed(let retryAfter):
                state.counts.shed += 1
                return (request, .shed(retryAfter: retryAfter))
            case .noneReady:
                state.counts.noneReady += 1
                return (request, .noneReady)
            }
        }
    }

    /// The request went to `endpoint` after all (its pick refused, a fallback took it): its
    /// assumed load moves there.
    public func served(_ id: RequestID, at endpoint: String) {
        let now = clock.now()
        state.withLock { state in
            guard var placement = state.placements[id], placement.endpoint != endpoint else { return }
            state.router.didFinish(placement.request, at: placement.endpoint, outputTokenCount: nil, now: now)
            state.router.didRoute(placement.request, to: endpoint, at: now)
            placement.endpoint = endpoint
            state.placements[id] = placement
        }
    }

    /// The request's response ended (finished, failed or cancelled); `outputTokenCount` when
    /// the response said (its `usage`), so a learning router can use it.
    public func finish(_ id: RequestID, outputTokenCount: Int?) {
        let now = clock.now()
        state.withLock { state in
            guard let placement = state.placements.removeValue(forKey: id) else { return }
            state.router.didFinish(placement.request, at: placement.endpoint, outputTokenCount: outputTokenCount, now: now)
            if placement.isFinalCall, let workflow = placement.request.workflowID { state.router.didFinishWorkflow(workflow) }
        }
    }

    /// Requests placed and not yet finished.
    public var inFlightCount: Int { state.withLock { $0.placements.count } }
}
