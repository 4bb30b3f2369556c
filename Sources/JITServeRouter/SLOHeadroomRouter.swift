import JITServeCore

/// `slo-headroom`: llm-d's SLO-aware idea (DESIGN §10). Predict each replica's TTFT and TPOT
/// for the request from its snapshot, keep the replicas where every part of the request's SLO
/// has headroom, and among them pick the one with the least (packing, as llm-d's default
/// "least headroom" selection does, keeping emptier replicas for tighter requests); shed what
/// no replica has headroom for.
///
/// SLOs map onto llm-d's TTFT/TPOT targets: a stream's TTFT and TBT; a deadline request's whole
/// answer (TTFT plus its length bound times TPOT) within its TTLT; a workflow call within what
/// is left of the workflow's deadline (llm-d knows nothing of stages). The length bound comes
/// from the estimator every policy is told. llm-d's predictor is a model trained on live
/// traffic; here it is `ReplicaForecast` over the same gauges the jitserve router reads.
/// llm-d sheds only requests marked sheddable (negative priority); requests here carry no
/// priority, so, as the issue asks, every request is treated as sheddable.
public struct SLOHeadroomRouter: Router {
    public let name = "slo-headroom"
    /// Quantile of the length bound for deadline and workflow calls (as GMAX's).
    public var quantile = 0.95
    public private(set) var ledger: RoutingLedger
    public private(set) var lengths: (any OutputLengthPredictor)?

    public init(lengths: (any OutputLengthPredictor)?, ledger: RoutingLedger = RoutingLedger()) {
        self.lengths = lengths
        self.ledger = ledger
    }

    public mutating func prepare(_ request: inout RoutingRequest) {
        if request.length == nil, lengths != nil { request.length = lengths!.distribution(for: request.request) }
    }

    public func decide(_ request: RoutingRequest, endpoints: [ReplicaSnapshot], now: Instant) -> RoutingDecision {
        let view = ledger.withAssumedLoad(endpoints)
        var scored: [(index: Int, headroom: Double)] = []
        for i in view.indices where view[i].isReady {
            scored.append((i, headroom(of: request, on: ReplicaForecast(view[i]), now: now)))
        }
        guard !scored.isEmpty else { return .noneReady }
        let fits = scored.filter { $0.headroom >= 0 }.sorted { ($0.headroom, $0.index) < ($1.headroom, $1.index) }
        guard !fits.isEmpty else { return .shed(retryAfter: .seconds(1)) }
        return .route(fits.prefix(RouterDefaults.candidateCount).map(\.index))
    }

    /// The smallest relative headroom over the SLO's targets (negative: predicted to miss).
    func headroom(of request: RoutingRequest, on forecast: ReplicaForecast, now: Instant) -> Double {
        let p = request.promptTokenCount
        let ttft = forecast.timeToFirstToken(promptTokens: p)
        let tpot = forecast.iterationSeconds
        func relative(_ target: Double, _ predicted: Double) -> Double { (target - predicted) / max(target, 1e-6) }
        switch request.slo {
        case .latency(let ttftTarget, let tbtTarget):
            let left = ttftTarget.seconds - (now.seconds - request.arrivedAt.seconds)
            return min(relative(left, ttft), relative(tbtTarget.seconds, tpot))
        case .deadline(let ttlt):
            let left = request.arrivedAt.seconds + ttlt.seconds - now.seconds
            return relative(left, ttft + Double(request.outputBound(quantile: quantile)) * tpot)
        case .compound(let slo):
            let left = slo.dueAt.seconds - now.seconds
            return relative(left, ttft + Double(request.outputBound(quantile: quantile)) * tpot)
        }
    }

    public mutating func didRoute(_ request: RoutingRequest, to endpoint: String, at now: Instant) {
        ledger.noteRouted(request, to: endpoint, workTokens: 0, at: now)
    }

    public mutating func didFinish(_ request: RoutingRequest, at endpoint: String, outputTokenCount: Int?, now: Instant) {
        ledger.noteFinished(request, at: endpoint)
        if let outputTokenCount { lengths?.observe(request.request, outputTokenCount: outputTokenCount) }
    }
}
