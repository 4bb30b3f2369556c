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
    /// No connection to the picker's gRPC server could be made (the probe's error; the proxy's
    /// connections to replicas fail with the HTTP client's own errors).
    case connectFailed(endpoint: String, reason: String)
    /// A replica answered a scrape with something other than 200.
    case unexpectedStatus(Int, path: String)
    /// A gRPC call ended with a status other than OK: raised by a handler of the picker's gRPC
    /// server (sent to the peer as `grpc-status`/`grpc-message`), or read by its probe.
    case rpcFailed(GRPCStatusCode, message: String)
    /// The gRPC peer broke the protocol (no `:status 200`, a stream cut mid-message, …).
    case rpcProtocolViolation(String)

    public var description: String {
        switch self {
        case .invalidEndpoint(let text, let reason): "invalid endpoint '\(text)': \(reason)"
        case .unreadableEndpointFile(let path, let reason): "cannot read the endpoints file \(path): \(reason)"
        case .noEndpoints(let source): "\(source) names no endpoint"
        case .listenFailed(let address, let reason): "cannot listen on \(address): \(reason)"
        case .connectFailed(let endpoint, let reason): "cannot connect to \(endpoint): \(reason)"
        case .unexpectedStatus(let status, let path): "the replica answered \(path) with HTTP \(status)"
        case .rpcFailed(let code, let message): "gRPC status \(code): \(message)"
        case .rpcProtocolViolation(let what): "gRPC protocol violation: \(what)"
        }
    }
}
