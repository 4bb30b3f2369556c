import NIOCore
import NIOHPACK
import NIOHTTP2

extension GRPCServer {
    /// One call on one HTTP/2 stream: checks the request headers, hands the decoded request
    /// messages to the routed handler as they arrive (the request side ends at the peer's
    /// half-close), and ends with the handler's status in the trailers.
    func serveCall(on stream: StreamChannel) async {
        try? await stream.executeThenClose { inbound, outbound in
            var frames = inbound.makeAsyncIterator()
            guard case .headers(let head)? = try await frames.next() else { return }
            let writer = GRPCResponseWriter(outbound: outbound)
            let headers = head.headers
            guard headers.first(name: ":method") == "POST",
                headers.first(name: "content-type")?.hasPrefix("application/grpc") ?? false
            else {
                // Not gRPC at all: plain HTTP 415, as the gRPC spec asks of a server.
                try await outbound.write(.headers(.init(headers: [":status": "415"], endStream: true)))
                return
            }
            let handler: any GRPCMethodHandler
            switch router.handler(for: headers.first(name: ":path") ?? "") {
            case .success(let found): handler = found
            case .failure(let error):
                try await Self.end(writer, with: error)
                return
            }
            let (requests, sink) = AsyncThrowingStream.makeStream(of: [UInt8].self)
            await withDiscardingTaskGroup { group in
                group.addTask {
                    do {
                        try await handler.handle(requests: requests, responses: writer)
                        try await writer.finish(.ok)
                    } catch {
                        try? await Self.end(writer, with: error)
                    }
                }
                if head.endStream {
                    sink.finish()
                    return
                }
                var decoder = GRPCFrameDecoder(maxMessageBytes: maxMessageBytes)
                do {
                    while let frame = try await frames.next() {
                        switch frame {
                        case .data(let data):
                            if case .byteBuffer(let buffer) = data.data {
                                for message in try decoder.feed(buffer.readableBytesView) { sink.yield(message) }
                            }
                            if data.endStream { return Self.close(sink, decoder) }
                        case .headers(let trailers):
                            if trailers.endStream { return Self.close(sink, decoder) }
                        case .rstStream(let code):
                            return sink.finish(throwing: GatewayError.rpcFailed(.cancelled, message: "the peer reset the stream (\(code))"))
                        default:
                            break
                        }
                    }
                    // The stream closed without a half-close: the peer went away.
                    sink.finish(throwing: GatewayError.rpcFailed(.cancelled, message: "the stream closed before the request ended"))
                } catch {
                    sink.finish(throwing: error)
                }
            }
        }
    }

    /// The request side is over: a message cut off part-way is the peer's error.
    private static func close(_ sink: AsyncThrowingStream<[UInt8], any Error>.Continuation, _ decoder: GRPCFrameDecoder) {
        if decoder.hasPartialMessage {
            sink.finish(throwing: GatewayError.rpcFailed(.internal, message: "the request ended inside a message"))
        } else {
            sink.finish()
        }
    }

    /// Ends the call with the status `error` stands for.
    private static func end(_ writer: GRPCResponseWriter, with error: any Error) async throws {
        switch error {
        case GatewayError.rpcFailed(let code, let message): try await writer.finish(code, message: message)
        case is CancellationError: try await writer.finish(.cancelled, message: "the server is shutting down")
        default: try await writer.finish(.internal, message: "\(error)")
        }
    }
}
