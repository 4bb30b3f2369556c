import NIOCore
import NIOHTTP1

/// The handler at the end of one pooled connection's pipeline: it hands each exchange's
/// response head to a promise and its body, chunk by chunk and stamped, to a stream, and fails
/// whichever is still pending when the connection closes early or errs.
///
/// One exchange at a time (HTTP/1.1 without pipelining). An exchange that ends cleanly on a
/// keep-alive response hands the connection back through `onReusable`; any other end closes
/// it. Every method runs on the channel's event loop.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    /// One request/response on the connection.
    struct Exchange {
        /// Distinguishes this exchange from later ones on the same connection, so that a late
        /// cancel or timer of a finished exchange cannot touch the next.
        var id: UInt64
        var head: EventLoopPromise<HTTPResponseHead>
        var body: AsyncThrowingStream<HTTPBodyChunk, any Error>.Continuation
        /// False when the request asked to close the connection after it.
        var requestKeepsAlive: Bool
        var timer: Scheduled<Void>?
    }

    private enum State { case idle, awaitingHead, streaming }

    private var state = State.idle
    private var exchange: Exchange?
    private var responseKeepsAlive = false
    private var context: ChannelHandlerContext?
    private var nextID: UInt64 = 1
    /// Called (on the event loop) when an exchange ended cleanly and the connection may carry
    /// another.
    var onReusable: (() -> Void)?
    /// Called (on the event loop) once, when the connection has closed.
    var onClosed: (() -> Void)?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Starts an exchange; returns its ID, or nil when the connection is already closed (a
    /// pooled connection the server closed while it sat idle).
    func begin(
        head: EventLoopPromise<HTTPResponseHead>, body: AsyncThrowingStream<HTTPBodyChunk, any Error>.Continuation,
        requestKeepsAlive: Bool
    ) -> UInt64? {
        guard state == .idle, let context, context.channel.isActive else { return nil }
        let id = nextID
        nextID += 1
        exchange = Exchange(id: id, head: head, body: body, requestKeepsAlive: requestKeepsAlive)
        state = .awaitingHead
        return id
    }

    /// Arms the exchange's time limit.
    func setTimer(_ timer: Scheduled<Void>, for id: UInt64) {
        if exchange?.id == id { exchange?.timer = timer } else { timer.cancel() }
    }

    /// The exchange's consumer gave up (stopped reading, cancelled, or dropped the response):
    /// closing the connection is how the server learns. A finished exchange's late cancel is
    /// ignored (its connection may be carrying another by now).
    func cancel(_ id: UInt64) {
        guard exchange?.id == id, let context else { return }
        fail(CancellationError())
        context.close(promise: nil)
    }

    /// The exchange outlived its limit.
    func timeOut(_ id: UInt64, limit: Duration) {
        guard exchange?.id == id, let context else { return }
        fail(HTTPClientError.timedOut(limit))
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else { return }
        switch unwrapInboundIn(data) {
        case .head(let h):
            // 1xx heads are interim; the real one follows.
            guard state == .awaitingHead, h.status.code >= 200 else { return }
            state = .streaming
            responseKeepsAlive = h.isKeepAlive
            exchange.head.succeed(h)
        case .body(let buffer):
            guard state == .streaming else { return }
            exchange.body.yield(HTTPBodyChunk(bytes: Array(buffer.readableBytesView), receivedAt: .now))
        case .end:
            guard state == .streaming else { return }
            exchange.timer?.cancel()
            let reusable = exchange.requestKeepsAlive && responseKeepsAlive && context.channel.isActive
            self.exchange = nil
            state = .idle
            // Back in the pool before the body ends: a caller that sends its next request as
            // soon as this body ends must find the connection there.
            if reusable { onReusable?() } else { context.close(promise: nil) }
            exchange.body.finish()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(HTTPClientError.connectionClosed(beforeHead: state == .awaitingHead))
        onClosed?()
        onClosed = nil
        onReusable = nil
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

    /// Fails the running exchange, if any, with `error`.
    private func fail(_ error: any Error) {
        guard let exchange else { return }
        exchange.timer?.cancel()
        switch state {
        case .awaitingHead:
            exchange.head.fail(error)
            exchange.body.finish(throwing: error)
        case .streaming:
            exchange.body.finish(throwing: error)
        case .idle:
            break
        }
        self.exchange = nil
        state = .idle
    }
}
