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
                // Read until the stream closes: the request side ends at the peer's half-close,
                // but a reset after it (a client cancelling a Watch) must still reach the handler.
                var isRequestSideOpen = true
                func endRequests(_ error: (any Error)? = nil) {
                    guard isRequestSideOpen else { return }
                    isRequestSideOpen = false
                    sink.finish(throwing: error)
                }
                var decoder = GRPCFrameDecoder(maxMessageBytes: maxMessageBytes)
                if head.endStream { endRequests() }
                do {
                    while let frame = try await frames.next() {
                        guard isRequestSideOpen else { continue }
                        switch frame {
                        case .data(let data):
                            do {
                                if case .byteBuffer(let buffer) = data.data {
                                    for message in try decoder.feed(buffer.readableBytesView) { sink.yield(message) }
                                }
                            } catch {
                                // A frame the server refuses: the handler ends the call with its
                                // status while the rest of the stream is drained.
                                endRequests(error)
                                continue
                            }
                            if data.endStream { endRequests(Self.cutOff(decoder)) }
                        case .headers(let trailers):
                            if trailers.endStream { endRequests(Self.cutOff(decoder)) }
                        default:
                            break
                        }
                    }
                    endRequests(GatewayError.rpcFailed(.cancelled, message: "the stream closed before the request ended"))
                } catch {
                    // The stream broke (reset, connection lost).
                    endRequests(error)
                }
                // The stream is closed (both sides done, reset, or the connection gone): a
                // handler still running has no one to answer.
                group.cancelAll()
            }
        }
    }

    /// The error of a request side that ends with part of a message buffered (nil: none).
    private static func cutOff(_ decoder: GRPCFrameDecoder) -> GatewayError? {
        decoder.hasPartialMessage ? .rpcFailed(.internal, message: "the request ended inside a message") : nil
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
