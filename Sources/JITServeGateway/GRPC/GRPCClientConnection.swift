import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix

/// A minimal gRPC client over plaintext HTTP/2 (h2c, prior knowledge): one connection, one
/// stream per call. It plays Envoy towards the picker in `jitserve bench route` and the tests
/// (scripts/route_e2e.py plays it with the real grpcio).
public final class GRPCClientConnection: Sendable {
    typealias StreamChannel = NIOAsyncChannel<HTTP2Frame.FramePayload, HTTP2Frame.FramePayload>

    private let channel: any Channel
    private let multiplexer: NIOHTTP2Handler.AsyncStreamMultiplexer<Void>
    private let authority: String
    private let executor: EventLoopTaskExecutor

    private init(channel: any Channel, multiplexer: NIOHTTP2Handler.AsyncStreamMultiplexer<Void>, authority: String) {
        self.channel = channel
        executor = EventLoopTaskExecutor(channel.eventLoop)
        self.multiplexer = multiplexer
        self.authority = authority
    }

    /// Connects to `host:port`.
    /// - Throws: `GatewayError.connectFailed`.
    public static func connect(host: String, port: Int) async throws -> GRPCClientConnection {
        do {
            let (channel, multiplexer) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    // The server opens no streams of its own; any it tried would be dropped.
                    channel.configureAsyncHTTP2Pipeline(mode: .client) { $0.eventLoop.makeSucceededVoidFuture() }
                        .map { (channel as any Channel, $0) }
                }
            return GRPCClientConnection(channel: channel, multiplexer: multiplexer, authority: "\(host):\(port)")
        } catch {
            throw GatewayError.connectFailed(endpoint: "\(host):\(port)", reason: "\(error)")
        }
    }

    /// Closes the connection (calls still open fail).
    public func close() async {
        try? await channel.close()
    }

    /// Opens a call to `path` (`/package.Service/Method`) and runs `body` with it; the stream is
    /// closed when `body` returns.
    ///
    /// The call runs on the connection's event loop (as a proxy's own calls do): its frames are
    /// written and read by that thread, with no hop to the shared pool and back per message.
    func call<T: Sendable>(path: String, _ body: (GRPCClientCall) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(executor) {
            let stream = try await multiplexer.openStream { stream in
                stream.eventLoop.makeCompletedFuture { try StreamChannel(wrappingChannelSynchronously: stream) }
            }
            return try await stream.executeThenClose { inbound, outbound in
                let headers: HPACKHeaders = [
                    ":method": "POST", ":scheme": "http", ":path": path, ":authority": authority,
                    "content-type": "application/grpc", "te": "trailers",
                ]
                try await outbound.write(.headers(.init(headers: headers)))
                let call = GRPCClientCall(inbound: inbound.makeAsyncIterator(), outbound: outbound)
                return try await body(call)
            }
        }
    }
}
