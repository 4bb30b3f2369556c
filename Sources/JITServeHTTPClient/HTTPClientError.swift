/// Errors of the HTTP client module.
public enum HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The exchange outlived its timeout; the connection was closed.
    case timedOut(Duration)
    /// The server closed the connection before the response was complete.
    case connectionClosed(beforeHead: Bool)
    case connectFailed(host: String, port: Int, reason: String)
    case bodyTooLarge(limit: Int)
    case invalidURL(String)

    public var description: String {
        switch self {
        case .timedOut(let limit): "no complete response within \(limit)"
        case .connectionClosed(let beforeHead):
            beforeHead ? "the server closed the connection before responding" : "the server closed the connection mid-response"
        case .connectFailed(let host, let port, let reason): "cannot connect to \(host):\(port): \(reason)"
        case .bodyTooLarge(let limit): "response body larger than \(limit) bytes"
        case .invalidURL(let url): "'\(url)' is not an http://host[:port][/path] URL"
        }
    }
}
