/// Errors of the gateway module (`jitserve route`): its configuration and its transports.
///
/// What a client of the proxy or of Envoy sees is an `HTTPError` (the HTTP module maps those to
/// statuses); these are the operator's errors, at start-up or while re-reading the endpoints.
public enum GatewayError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An endpoint that is not `ip:port`, `[ipv6]:port` or `http://host:port`.
    case invalidEndpoint(String, reason: String)
    /// The `--endpoints-file` could not be read.
    case unreadableEndpointFile(path: String, reason: String)
    /// The source named no endpoint at all.
    case noEndpoints(source: String)
    /// A listener could not be started.
    case listenFailed(address: String, reason: String)
    /// No connection to a replica could be made (refused, unreachable, timed out): nothing
    /// reached it, so the request may go to a fallback.
    case connectFailed(endpoint: String, reason: String)
    /// The replica closed the connection before its response head (`beforeHead`) or before the
    /// response's end.
    case upstreamClosed(beforeHead: Bool)
    /// The exchange with a replica outlived its limit; the connection was closed.
    case upstreamTimedOut(Duration)
    /// A replica's response body was larger than the gateway reads (a `/metrics` page).
    case upstreamBodyTooLarge(limit: Int)
    /// A replica answered a scrape with something other than 200.
    case unexpectedStatus(Int, path: String)

    public var description: String {
        switch self {
        case .invalidEndpoint(let text, let reason): "invalid endpoint '\(text)': \(reason)"
        case .unreadableEndpointFile(let path, let reason): "cannot read the endpoints file \(path): \(reason)"
        case .noEndpoints(let source): "\(source) names no endpoint"
        case .listenFailed(let address, let reason): "cannot listen on \(address): \(reason)"
        case .connectFailed(let endpoint, let reason): "cannot connect to \(endpoint): \(reason)"
        case .upstreamClosed(let beforeHead):
            beforeHead ? "the replica closed the connection before responding" : "the replica closed the connection mid-response"
        case .upstreamTimedOut(let limit): "no complete response from the replica within \(limit)"
        case .upstreamBodyTooLarge(let limit): "the replica's response is larger than \(limit) bytes"
        case .unexpectedStatus(let status, let path): "the replica answered \(path) with HTTP \(status)"
        }
    }
}
