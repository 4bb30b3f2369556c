/// The picker's answer for one request, in endpoint names (GAIE's protocol speaks `ip:port`).
public enum PickOutcome: Hashable, Sendable {
    /// Try these endpoints in order: the first is the pick, the rest fallbacks.
    case route([String])
    /// Refuse it (429): no replica can serve it in time.
    case shed(retryAfter: Duration)
    /// No endpoint is ready (503).
    case noneReady

    /// The endpoints to try, empty unless routed.
    public var endpoints: [String] {
        if case .route(let list) = self { return list }
        return []
    }
}
