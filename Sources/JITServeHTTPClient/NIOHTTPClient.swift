import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client on SwiftNIO (already built for the server's Hummingbird): thousands
/// of requests in flight cost one socket each on a single event-loop thread, not a thread each.
///
/// Connections are kept alive and reused per backend (`ConnectionPool`): one goes back to the
/// pool only after its response ended cleanly on a keep-alive response; a cancelled, timed-out
/// or failed exchange closes its connection, which is how a server learns that its client went
/// away. A pooled connection the server closed meanwhile is detected when the request finds
/// it dead before any response byte, and the request is sent again on a fresh connection.
///
/// Each body chunk is stamped on the event loop as it is read, so a streamed token's arrival
/// time is not delayed by whatever the awaiting task is doing. No TLS, no redirects: what a
/// benchmark or a proxy on one network needs, and nothing else.
public final class NIOHTTPClient: StreamingHTTPClient {
    private let group: MultiThreadedEventLoopGroup
    private let connectTimeout: TimeAmount
    let pool: ConnectionPool

    /// - Parameters:
    ///   - threadCount: Event-loop threads (one keeps up with thousands of streams).
    ///   - connectTimeout: Limit on establishing each connection.
    ///   - maxIdleConnectionsPerHost: Keep-alive connections kept open per backend between
    ///     requests (0: a fresh connection per request, closed after it).
    ///   - idleTimeout: An idle kept-alive connection is closed after this long.
    public init(
        threadCount: Int = 1, connectTimeout: Duration = .seconds(10), maxIdleConnectionsPerHost: Int = 64,
        idleTimeout: Duration = .seconds(30)
    ) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threadCount))
        self.connectTimeout = .nanoseconds(Self.nanoseconds(connectTimeout))
        pool = ConnectionPool(maxIdlePerHost: maxIdleConnectionsPerHost, idleTimeout: idleTimeout)
    }

    /// Closes the idle connections and the event loops; call once every request has ended.
    public func shutdown() async {
        await pool.shutDown()
        try? await group.shutdownGracefully()
    }

    /// Idle kept-alive connections, over all backends.
    public var idleConnectionCount: Int { pool.idleCount }

    public func send(_ request: HTTPClientRequest, timeout: Duration?) async throws -> StreamingHTTPResponse {
        try await send(request, timeout: timeout, preferring: nil)
    }

    /// Sends `request`, preferring connections on `eventLoop` (a proxy passes its inbound
    /// connection's loop: the response's chunks are then read on the thread that writes them on).
    public func send(
        _ request: HTTPClientRequest, timeout: Duration?, preferring eventLoop: (any EventLoop)?
    ) async throws -> StreamingHTTPResponse {
        let key = ConnectionPool.Key(host: request.host, port: request.port)
        if let pooled = pool.checkOut(key, preferring: eventLoop) {
            do {
                return try await exchange(request, on: pooled, key: key, timeout: timeout)
            } catch HTTPClientError.connectionClosed(beforeHead: true) where !Task.isCancelled {
                // The server closed the kept-alive connection between requests (its idle
                // timeout, a restart): nothing came back, so the request goes out once more on
                // a fresh connection, as browsers and HTTP client libraries do.
            }
        }
        let fresh = try await connect(key, on: eventLoop ?? group.next())
        return try await exchange(request, on: fresh, key: key, timeout: timeout)
    }

    private func connect(_ key: ConnectionPool.Key, on eventLoop: any EventLoop) async throws -> PooledConnection {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector())
                }
            }
        do {
            let channel = try await bootstrap.connect(host: key.host, port: key.port).get()
            return try await channel.eventLoop.submit { [pool] in
                let collector = try channel.pipeline.syncOperations.handler(type: ResponseCollector.self)
                let connection = PooledConnection(channel: channel, collector: collector)
                collector.onReusable = { [weak connection] in if let connection { pool.checkIn(connection, key: key) } }
                collector.onClosed = { [weak connection] in if let connection { pool.remove(connection, key: key) } }
                return connection
            }.get()
        } catch {
            throw HTTPClientError.connectFailed(host: key.host, port: key.port, reason: "\(error)")
        }
    }

    private func exchange(
        _ request: HTTPClientRequest, on connection: PooledConnection, key: ConnectionPool.Key, timeout: Duration?
    ) async throws -> StreamingHTTPResponse {
        let (body, continuation) = AsyncThrowingStream.makeStream(of: HTTPBodyChunk.self)
        let channel = connection.channel
        let loop = channel.eventLoop
        let headPromise = loop.makePromise(of: HTTPResponseHead.self)
        let head = Self.requestHead(request)
        let keepsAlive = head.isKeepAlive
        let outgoing = request.body
        // Arm, write and flush in one trip to the connection's loop.
        let started = loop.submit { () -> UInt64? in
            guard let id = connection.collector.begin(head: headPromise, body: continuation, requestKeepsAlive: keepsAlive) else {
                return nil
            }
            if let timeout {
                connection.collector.setTimer(
                    loop.scheduleTask(in: .nanoseconds(Self.nanoseconds(timeout))) {
                        connection.collector.timeOut(id, limit: timeout)
                    }, for: id)
            }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if !outgoing.isEmpty {
                channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: outgoing))), promise: nil)
            }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return id
        }
        guard let id = try await started.get() else {
            let failure = HTTPClientError.connectionClosed(beforeHead: true)
            headPromise.fail(failure)
            continuation.finish(throwing: failure)
            throw failure
        }
        let cancel: @Sendable () -> Void = { loop.execute { connection.collector.cancel(id) } }
        // A consumer that stops reading the body (or is cancelled) closes the connection.
        continuation.onTermination = { termination in
            if case .cancelled = termination { cancel() }
        }
        let responseHead = try await withTaskCancellationHandler {
            try await headPromise.futureResult.get()
        } onCancel: {
            cancel()
        }
        return StreamingHTTPResponse(
            status: Int(responseHead.status.code), headers: responseHead.headers.map { ($0.name, $0.value) }, body: body,
            cancel: cancel)
    }

    static func requestHead(_ request: HTTPClientRequest) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: request.path)
        for header in request.headers { head.headers.add(name: header.name, value: header.value) }
        // A caller's own Host (a proxy passing its client's on) wins over the one derived here.
        if !head.headers.contains(name: "Host") {
            head.headers.add(name: "Host", value: request.port == 80 ? request.host : "\(request.host):\(request.port)")
        }
        if !request.body.isEmpty || request.method == "POST" {
            head.headers.replaceOrAdd(name: "Content-Length", value: String(request.body.count))
        }
        return head
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let c = d.components
        return c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
    }
}
