/// One HTTP/1.1 request the gateway sends to a replica: a forwarded client request, or a scrape
/// of `/metrics`.
public struct UpstreamRequest: Sendable {
    public var method: String
    public var endpoint: EndpointAddress
    /// Path and query, starting with `/`.
    public var path: String
    /// Headers to send; `Host` and `Content-Length` are set by the client.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
        method: String = "GET", endpoint: EndpointAddress, path: String, headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.endpoint = endpoint
        self.path = path
        self.headers = headers
        self.body = body
    }
}
