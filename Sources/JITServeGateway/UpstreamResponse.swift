/// A replica's response whose head has arrived; its body streams in as the replica writes it.
public struct UpstreamResponse: Sendable {
    /// One piece of the body as it came off the socket, stamped on the event loop when it was
    /// read (a streamed token's arrival is when its bytes reached the gateway, not when the
    /// awaiting task got round to it).
    public struct Chunk: Sendable {
        public var bytes: [UInt8]
        public var receivedAt: ContinuousClock.Instant
    }

    public var status: Int
    public var headers: [(name: String, value: String)]
    /// The body; it fails with `GatewayError.upstreamClosed(beforeHead: false)` when the replica
    /// cuts it off, and ends when the response is complete.
    public var body: AsyncThrowingStream<Chunk, any Error>
    /// Closes the connection: the replica sees its client go away and drops the request.
    public let cancel: @Sendable () -> Void

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// The whole body (at most `limit` bytes; beyond, the connection is closed and this throws).
    public func collect(limit: Int = 16 << 20) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in body {
            bytes.append(contentsOf: chunk.bytes)
            if bytes.count > limit {
                cancel()
                throw GatewayError.upstreamBodyTooLarge(limit: limit)
            }
        }
        return bytes
    }
}
