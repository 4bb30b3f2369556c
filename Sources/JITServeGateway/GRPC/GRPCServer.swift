import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix

/// A small gRPC server over plaintext HTTP/2 with prior knowledge (h2c), on SwiftNIO: what an
/// in-cluster hop from Envoy to the endpoint picker speaks. Each HTTP/2 stream is one call,
/// routed on its `:path` by a `GRPCCallRouter`.
///
/// Deliberately small: no TLS, no compression (none is advertised, so peers send none),
/// `grpc-timeout` is not enforced (Envoy's ext_proc filter enforces its own message timeout).
struct GRPCServer: Sendable {
    typealias StreamChannel = NIOAsyncChannel<HTTP2Frame.FramePayload, HTTP2Frame.FramePayload>

    let router: GRPCCallRouter
    let host: String
    let port: Int
    /// Largest request message accepted (RESOURCE_EXHAUSTED beyond).
    let maxMessageBytes: Int

    /// Serves until the task is cancelled; `onListening` gets the bound port (useful with port 0).
    /// - Throws: `GatewayError.listenFailed` when the address cannot be bound.
    func run(onListening: @Sendable (Int) -> Void) async throws {
        let server: NIOAsyncChannel<NIOHTTP2Handler.AsyncStreamMultiplexer<StreamChannel>, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: host, port: port) { connection in
                    connection.configureAsyncHTTP2Pipeline(mode: .server, configuration: Self.http2Configuration) { stream in
                        stream.eventLoop.makeCompletedFuture { try StreamChannel(wrappingChannelSynchronously: stream) }
                    }
                }
        } catch {
            throw GatewayError.listenFailed(address: "\(host):\(port)", reason: "\(error)")
        }
        onListening(server.channel.localAddress?.port ?? port)
        let listener = server.channel
        try await withTaskCancellationHandler {
            try await withThrowingDiscardingTaskGroup { connections in
                try await server.executeThenClose { inbound in
                    for try await multiplexer in inbound {
                        connections.addTask { await serveConnection(multiplexer) }
                    }
                }
            }
        } onCancel: {
            listener.close(promise: nil)
        }
    }

    /// HTTP/2 settings: NIO's defaults but for the stream limit. Envoy multiplexes a worker's
    /// ext_proc streams on one connection and keeps each open while its request runs, so NIO's
    /// default of 100 would cap the requests in flight through one gateway worker.
    static var http2Configuration: NIOHTTP2Handler.Configuration {
        var configuration = NIOHTTP2Handler.Configuration()
        configuration.connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: HPACKDecoder.defaultMaxHeaderListSize),
        ]
        return configuration
    }

    static let maxConcurrentStreams = 16_384

    /// Runs every call the connection opens, concurrently, until it closes.
    private func serveConnection(_ multiplexer: NIOHTTP2Handler.AsyncStreamMultiplexer<StreamChannel>) async {
        await withDiscardingTaskGroup { calls in
            do {
                for try await stream in multiplexer.inbound {
                    // A call runs on its connection's loop: its frames are read, decided on and
                    // answered by that thread, with no hop to the shared pool and back per message.
                    let executor = EventLoopTaskExecutor(stream.channel.eventLoop)
                    calls.addTask(executorPreference: executor) { await serveCall(on: stream) }
                }
            } catch {
                // The connection failed or closed: its calls end as their streams do.
            }
        }
    }
}
