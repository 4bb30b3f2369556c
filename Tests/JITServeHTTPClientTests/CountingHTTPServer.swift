import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny HTTP/1.1 server on loopback for the connection-pool tests, counting the connections
/// it accepts and sees closed. What it answers depends on the path:
/// - `/` : `ok` with a Content-Length, connection kept alive;
/// - `/stream`: a chunked body that sends one chunk and never ends;
/// - `/drop-second`: `ok`, but the second request on a connection is met by closing it
///   unanswered (the race where a server times an idle connection out as a request arrives);
/// - `/drop`: every request is met by closing its connection unanswered;
/// - `/close-after`: `ok`, then the server closes the connection 50 ms later (its idle timeout).
final class CountingHTTPServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let counts: Counts

    final class Counts: Sendable {
        let accepted = Atomic(0)
        let closed = Atomic(0)
        let requests = Atomic(0)
    }

    var acceptedCount: Int { counts.accepted.load(ordering: .relaxed) }
    var closedCount: Int { counts.closed.load(ordering: .relaxed) }
    var requestCount: Int { counts.requests.load(ordering: .relaxed) }

    static func start() async throws -> CountingHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let counts = Counts()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                counts.accepted.add(1, ordering: .relaxed)
                channel.closeFuture.whenComplete { _ in counts.closed.add(1, ordering: .relaxed) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(counts: counts))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CountingHTTPServer(channel: channel, group: group, counts: counts)
    }

    private init(channel: any Channel, group: MultiThreadedEventLoopGroup, counts: Counts) {
        self.channel = channel
        self.group = group
        self.counts = counts
        port = channel.localAddress?.port ?? 0
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Polls `condition` for up to two seconds (the server's loop runs on its own thread).
    func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let counts: Counts
        private var path = "/"
        private var requestsOnConnection = 0

        init(counts: Counts) { self.counts = counts }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                path = head.uri
                requestsOnConnection += 1
                counts.requests.add(1, ordering: .relaxed)
            case .body:
                break
            case .end:
                respond(context: context)
            }
        }

        private func respond(context: ChannelHandlerContext) {
            switch path {
            case "/drop":
                context.close(promise: nil)
            case "/drop-second" where requestsOnConnection == 2:
                context.close(promise: nil)
            case "/stream":
                var head = HTTPResponseHead(version: .http1_1, status: .ok)
                head.headers.add(name: "Transfer-Encoding", value: "chunked")
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "data: first\n\n")))), promise: nil)
            default:
                var head = HTTPResponseHead(version: .http1_1, status: .ok)
                head.headers.add(name: "Content-Length", value: "2")
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                if path == "/close-after" {
                    let channel = context.channel
                    context.eventLoop.scheduleTask(in: .milliseconds(50)) { channel.close(promise: nil) }
                }
            }
        }
    }
}
