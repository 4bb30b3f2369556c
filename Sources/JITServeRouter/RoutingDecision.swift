import JITServeCore

/// A router's answer for one request.
public enum RoutingDecision: Hashable, Sendable {
    /// Send it to these endpoints, best first; later ones are fallbacks (indices into the
    /// snapshots the router was given; GAIE's `x-gateway-destination-endpoint` list).
    case route([Int])
    /// Refuse it now (HTTP 429): no replica can serve it in time. `retryAfter` is a hint.
    case shed(retryAfter: Duration)
    /// No replica is ready (HTTP 503).
    case noneReady

    /// The first endpoint to try, if routed.
    public var primary: Int? {
        if case .route(let order) = self { return order.first }
        return nil
    }
}
