import NIOCore
import NIOHTTP1

/// Hands one response's head to a promise and its body, chunk by chunk and stamped, to a
/// stream; fails whichever is still pending when the connection closes early or errs.
final class UpstreamResponseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private enum State { case awaitingHead, streaming, done }

    private let head: EventLoopPromise<HTTPResponseHead>
    private let body: AsyncThrowingStream<UpstreamResponse.Chunk, any Error>.Continuation
    private var state = State.awaitingHead

    init(head: EventLoopPromise<HTTPResponseHead>, body: AsyncThrowingStream<UpstreamResponse.Chunk, any Error>.Continuation) {
        self.head = head
        self.body = body
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            // 1xx heads are informational; the real one follows.
            guard state == .awaitingHead, h.status.code >= 200 else { return }
            state = .streaming
            head.succeed(h)
        case .body(let buffer):
            guard state == .streaming else { return }
            body.yield(UpstreamResponse.Chunk(bytes: Array(buffer.readableBytesView), receivedAt: .now))
        case .end:
            guard state == .streaming else { return }
            state = .done
            body.finish()
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(GatewayError.upstreamClosed(beforeHead: state == .awaitingHead))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
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
