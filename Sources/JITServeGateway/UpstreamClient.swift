import NIOCore
import NIOHTTP1
import NIOPosix

/// The gateway's HTTP/1.1 client to its replicas, on SwiftNIO (already built for Hummingbird):
/// one connection per exchange, so that closing it is how a cancelled request reaches the
/// replica, and a refused connection is told apart from a response cut off mid-way (the first
/// may be retried on a fallback, the second may not).
///
/// No TLS, pooling or redirects: replicas sit on the same network as the gateway. (A second
/// helper builds a general streaming client, `JITServeHTTPClient`, for `bench live`; this one
/// stays inside the gateway until the two are merged.)
public final class UpstreamClient: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let connectTimeout: TimeAmount

    /// - Parameters:
    ///   - threadCount: Event-loop threads (one carries thousands of streams).
    ///   - connectTimeout: Limit on establishing each connection.
    public init(threadCount: Int = 1, connectTimeout: Duration = .seconds(2)) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threadCount))
        self.connectTimeout = .nanoseconds(Self.nanoseconds(connectTimeout))
    }

    /// Stops the event loops; call once every exchange has ended.
    public func shutdown() async {
        try? await group.shutdownGracefully()
    }

    /// Sends `request` and returns once the response head has arrived.
    ///
    /// - Parameter timeout: Limit on the whole exchange, body included; when it passes the
    ///   connection is closed and the head or body fails with `GatewayError.upstreamTimedOut`.
    /// - Throws: `GatewayError.connectFailed` (nothing reached the replica: safe to retry
    ///   elsewhere), `.upstreamClosed(beforeHead: true)` (the replica closed before answering),
    ///   `.upstreamTimedOut`, or `CancellationError` (the connection is closed).
    public func send(_ request: UpstreamRequest, timeout: Duration? = nil) async throws -> UpstreamResponse {
        let (body, continuation) = AsyncThrowingStream.makeStream(of: UpstreamResponse.Chunk.self)
        let loop = group.next()
        let headPromise = loop.makePromise(of: HTTPResponseHead.self)
        let endpoint = request.endpoint
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        UpstreamResponseHandler(head: headPromise, body: continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            let failure = GatewayError.connectFailed(endpoint: endpoint.description, reason: "\(error)")
            headPromise.fail(failure)
            continuation.finish(throwing: failure)
            throw failure
        }
        // A reader that stops early (or is cancelled) closes the connection.
        continuation.onTermination = { termination in
            if case .cancelled = termination { channel.close(promise: nil) }
        }
        if let timeout {
            let timer = loop.scheduleTask(in: .nanoseconds(Self.nanoseconds(timeout))) {
                channel.pipeline.fireErrorCaught(GatewayError.upstreamTimedOut(timeout))
            }
            channel.closeFuture.whenComplete { _ in timer.cancel() }
        }
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: request.path)
        for header in request.headers { head.headers.add(name: header.name, value: header.value) }
        head.headers.replaceOrAdd(name: "Host", value: endpoint.description)
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        if !request.body.isEmpty || request.method != "GET" {
            head.headers.replaceOrAdd(name: "Content-Length", value: String(request.body.count))
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if !request.body.isEmpty {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: request.body))), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let responseHead = try await withTaskCancellationHandler {
            try await headPromise.futureResult.get()
        } onCancel: {
            channel.close(promise: nil)
        }
        return UpstreamResponse(
            status: Int(responseHead.status.code), headers: responseHead.headers.map { ($0.name, $0.value) }, body: body,
            cancel: { channel.close(promise: nil) })
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let c = d.components
        return c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
    }
}
