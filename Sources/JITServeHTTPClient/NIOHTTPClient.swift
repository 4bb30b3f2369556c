import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client on SwiftNIO (already built for the server's Hummingbird), one
/// connection per request: thousands of requests in flight cost one socket each on a single
/// event-loop thread, not a thread each.
///
/// Each body chunk is stamped on the event loop as it is read, so a streamed token's arrival
/// time is not delayed by whatever the awaiting task is doing. No TLS, no redirects, no pooling:
/// what a benchmark or a proxy on one network needs, and nothing else.
public final class NIOHTTPClient: StreamingHTTPClient {
    private let group: MultiThreadedEventLoopGroup
    private let connectTimeout: TimeAmount

    /// - Parameters:
    ///   - threadCount: Event-loop threads (one keeps up with thousands of streams).
    ///   - connectTimeout: Limit on establishing each connection.
    public init(threadCount: Int = 1, connectTimeout: Duration = .seconds(10)) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threadCount))
        self.connectTimeout = .nanoseconds(Self.nanoseconds(connectTimeout))
    }

    /// Closes the event loops; call once every request has ended.
    public func shutdown() async {
        try? await group.shutdownGracefully()
    }

    public func send(_ request: HTTPClientRequest, timeout: Duration?) async throws -> StreamingHTTPResponse {
        let (body, continuation) = AsyncThrowingStream.makeStream(of: HTTPBodyChunk.self)
        let loop = group.next()
        let headPromise = loop.makePromise(of: HTTPResponseHead.self)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(head: headPromise, body: continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: request.host, port: request.port).get()
        } catch {
            let failure = HTTPClientError.connectFailed(host: request.host, port: request.port, reason: "\(error)")
            headPromise.fail(failure)
            continuation.finish(throwing: failure)
            throw failure
        }
        // A consumer that stops reading the body (or is cancelled) closes the connection.
        continuation.onTermination = { termination in
            if case .cancelled = termination { channel.close(promise: nil) }
        }
        if let timeout {
            let timer = loop.scheduleTask(in: .nanoseconds(Self.nanoseconds(timeout))) {
                channel.pipeline.fireErrorCaught(HTTPClientError.timedOut(timeout))
            }
            channel.closeFuture.whenComplete { _ in timer.cancel() }
        }
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: request.path)
        for header in request.headers { head.headers.add(name: header.name, value: header.value) }
        // A caller's own Host (a proxy passing its client's on) wins over the one derived here.
        if !head.headers.contains(name: "Host") {
            head.headers.add(name: "Host", value: request.port == 80 ? request.host : "\(request.host):\(request.port)")
        }
        if !request.body.isEmpty || request.method == "POST" {
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
        return StreamingHTTPResponse(
            status: Int(responseHead.status.code), headers: responseHead.headers.map { ($0.name, $0.value) }, body: body,
            cancel: { channel.close(promise: nil) })
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let c = d.components
        return c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
    }
}

/// Hands one response's head to a promise and its body, chunk by chunk and stamped, to a
/// stream; fails whichever is still pending when the connection closes early or errs.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private enum State { case awaitingHead, streaming, done }

    private let head: EventLoopPromise<HTTPResponseHead>
    private let body: AsyncThrowingStream<HTTPBodyChunk, any Error>.Continuation
    private var state = State.awaitingHead

    init(head: EventLoopPromise<HTTPResponseHead>, body: AsyncThrowingStream<HTTPBodyChunk, any Error>.Continuation) {
        self.head = head
        self.body = body
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            guard state == .awaitingHead else { return }
            state = .streaming
            head.succeed(h)
        case .body(let buffer):
            guard state == .streaming else { return }
            body.yield(HTTPBodyChunk(bytes: Array(buffer.readableBytesView), receivedAt: .now))
        case .end:
            guard state == .streaming else { return }
            state = .done
            body.finish()
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(HTTPClientError.connectionClosed(beforeHead: state == .awaitingHead))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset or broken socket is the server going away (a replica killed mid-exchange):
        // reported as such, so that a caller can tell "nothing came back" (safe to send
        // elsewhere) from a response cut off part-way.
        if error is IOError || error is ChannelError {
            fail(HTTPClientError.connectionClosed(beforeHead: state == .awaitingHead))
        } else {
            fail(error)
        }
        context.close(promise: nil)
    }

    private func fail(_ error: any Error) {
        switch state {
        case .awaitingHead:
            head.fail(error)
            body.finish(throwing: error)
        case .streaming:
            body.finish(throwing: error)
        case .done:
            break
        }
        state = .done
    }
}
