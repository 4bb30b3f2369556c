import JITServeCore

/// `round-robin`: each request to the next ready endpoint in turn, blind to load and to
/// workflows (what a plain Kubernetes Service does).
public struct RoundRobinRouter: Router {
    public let name = "round-robin"
    public var readsReplicaLoad: Bool { false }
    /// Requests routed so far: the next one starts at this position.
    private var turn = 0

    public init() {}

    public func decide(_ request: RoutingRequest, endpoints: [ReplicaSnapshot], now: Instant) -> RoutingDecision {
        guard !endpoints.isEmpty else { return .noneReady }
        var order: [Int] = []
        for step in 0..<endpoints.count {
            let i = (turn + step) % endpoints.count
            if endpoints[i].isReady { order.append(i) }
            if order.count == RouterDefaults.candidateCount { break }
        }
        return order.isEmpty ? .noneReady : .route(order)
    }

    public mutating func didRoute(_ request: RoutingRequest, to endpoint: String, at now: Instant) { turn &+= 1 }
}

/// Settings every policy shares.
enum RouterDefaults {
    /// Endpoints a decision names: the pick and its fallbacks (GAIE sends a short list).
    static let candidateCount = 3
}
