import JITServeHTTPClient

/// Scrapes a replica's `GET /metrics` over the gateway's HTTP client.
public struct HTTPMetricsFetcher: MetricsFetcher {
    public let client: any StreamingHTTPClient
    /// Largest page read (a replica publishing more is broken, not busy).
    public var limit = 4 << 20

    public init(client: any StreamingHTTPClient) {
        self.client = client
    }

    public func metrics(of endpoint: EndpointAddress, timeout: Duration) async throws -> String {
        let response = try await client.send(
            HTTPClientRequest(host: endpoint.host, port: endpoint.port, path: "/metrics", headers: [("Connection", "close")]),
            timeout: timeout)
        guard response.status == 200 else {
            response.cancel()
            throw GatewayError.unexpectedStatus(response.status, path: "/metrics")
        }
        return String(decoding: try await response.collect(limit: limit).bytes, as: UTF8.self)
    }
}
