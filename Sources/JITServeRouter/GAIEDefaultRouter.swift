import JITServeCore

/// `gaie-default`: the Gateway API Inference Extension's default picker (DESIGN §10): weighted
/// scorers over the ready endpoints, the highest total wins.
///
/// - queue scorer: waiting requests (plus those this picker sent since the last scrape),
///   min-max normalised so the shortest queue scores 1 and the longest 0 (all 1 when equal);
/// - KV-cache utilisation scorer: 1 − `kv_cache_usage_perc`.
/// Equal weights, as GAIE's default profile gives them. Its prefix-cache scorer is left out: the
/// engines here keep no prefix cache, so it would score every endpoint alike. Ties go to the
/// endpoint the request's ID selects among them (GAIE picks at random), so the choice is
/// deterministic yet spread. Workflows get no affinity beyond what these scores give.
public struct GAIEDefaultRouter: Router {
    public let name = "gaie-default"
    public var readsReplicaLoad: Bool { false }
    public var queueWeight = 1.0
    public var kvCacheWeight = 1.0
    public private(set) var ledger: RoutingLedger

    public init(ledger: RoutingLedger = RoutingLedger()) { self.ledger = ledger }

    public func decide(_ request: RoutingRequest, endpoints: [ReplicaSnapshot], now: Instant) -> RoutingDecision {
        let view = ledger.withAssumedLoad(endpoints)
        let ready = view.indices.filter { view[$0].isReady }
        guard !ready.isEmpty else { return .noneReady }
        var lo = Int.max, hi = Int.min
        for i in ready {
            lo = min(lo, view[i].waitingCount)
            hi = max(hi, view[i].waitingCount)
        }
        func score(_ i: Int) -> Double {
            let queue = hi == lo ? 1 : Double(hi - view[i].waitingCount) / Double(hi - lo)
            return queueWeight * queue + kvCacheWeight * (1 - view[i].kvCacheUsage)
        }
        let scores = ready.map { (index: $0, score: score($0)) }
        let best = scores.map(\.score).max()!
        let tied = scores.filter { $0.score >= best - 1e-12 }.map(\.index)
        let pick = tied[Int(request.id.rawValue % UInt64(tied.count))]
        let rest = scores.filter { $0.index != pick }.sorted { ($0.score, -$0.index) > ($1.score, -$1.index) }
        return .route([pick] + rest.prefix(RouterDefaults.candidateCount - 1).map(\.index))
    }

    public mutating func didRoute(_ request: RoutingRequest, to endpoint: String, at now: Instant) {
        ledger.noteRouted(request, to: endpoint, workTokens: 0, at: now)
    }

    public mutating func didFinish(_ request: RoutingRequest, at endpoint: String, outputTokenCount: Int?, now: Instant) {
        ledger.noteFinished(request, at: endpoint)
    }
}
