import NIOCore

/// An HTTP/1.1 request as a load generator or a proxy sends it.
public struct HTTPClientRequest: Sendable {
    public var method: String
    public var host: String
    public var port: Int
    /// Path and query, starting with `/`.
    public var path: String
    /// Extra headers; `Content-Length` is set from the body, and `Host` added unless given here.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
        method: String = "GET", host: String, port: Int, path: String, headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.host = host
        self.port = port
        self.path = path
        self.headers = headers
        self.body = body
    }
}

/// One piece of a response body as it came off the socket, stamped when it was read: a
/// streamed token's arrival is the instant its bytes reached the client.
public struct HTTPBodyChunk: Sendable {
    public var bytes: [UInt8]
    public var receivedAt: ContinuousClock.Instant

    public init(bytes: [UInt8], receivedAt: ContinuousClock.Instant) {
        self.bytes = bytes
        self.receivedAt = receivedAt
    }
}

/// A response whose head has arrived; its body streams in.
public struct StreamingHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    /// The body, chunk by chunk. Stop iterating (or cancel the task) to close the connection.
    public var body: AsyncThrowingStream<HTTPBodyChunk, any Error>
    /// Closes the connection now (the server sees its client go away): for a caller that
    /// drops a response without reading it, such as a proxy skipping a replica's 503, or
    /// whose own client hung up while it waits elsewhere.
    public let cancel: @Sendable () -> Void

    public init(
        status: Int, headers: [(name: String, value: String)], body: AsyncThrowingStream<HTTPBodyChunk, any Error>,
        cancel: @escaping @Sendable () -> Void = {}
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.cancel = cancel
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// The whole body, and when its last byte arrived (nil for an empty body).
    public func collect(limit: Int = 64 << 20) async throws -> (bytes: [UInt8], lastAt: ContinuousClock.Instant?) {
        var bytes: [UInt8] = []
        var last: ContinuousClock.Instant?
        for try await chunk in body {
            bytes.append(contentsOf: chunk.bytes)
            last = chunk.receivedAt
            if bytes.count > limit {
                cancel()
                throw HTTPClientError.bodyTooLarge(limit: limit)
            }
        }
        return (bytes, last)
    }
}

/// What `jitserve bench live` (and a proxy) needs of an HTTP client: send one request, get its
/// status and a body that streams with per-chunk arrival times; cancelling the calling task or
/// dropping the body closes the connection (a server sees its client go away).
public protocol StreamingHTTPClient: Sendable {
    /// Sends `request`; returns once the response head has arrived.
    /// - Parameter timeout: Limit on the whole exchange, body included; when it passes, the
    ///   connection is closed and the head or the body fails with `HTTPClientError.timedOut`.
    func send(_ request: HTTPClientRequest, timeout: Duration?) async throws -> StreamingHTTPResponse

    /// Sends `request`, preferring to read its response on `eventLoop` (a proxy's inbound
    /// connection's loop, so that a forwarded chunk needs no hop between threads).
    func send(_ request: HTTPClientRequest, timeout: Duration?, preferring eventLoop: (any EventLoop)?) async throws
        -> StreamingHTTPResponse
}

extension StreamingHTTPClient {
    /// A client without event loops of its own ignores the preference.
    public func send(_ request: HTTPClientRequest, timeout: Duration?, preferring eventLoop: (any EventLoop)?) async throws
        -> StreamingHTTPResponse
    {
        try await send(request, timeout: timeout)
    }
}
