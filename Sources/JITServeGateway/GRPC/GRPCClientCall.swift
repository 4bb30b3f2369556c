import NIOCore
import NIOHTTP2
import SwiftProtobuf

/// The client's side of one open gRPC call: send request messages, half-close, read response
/// messages; the call's status arrives in the trailers (anything but OK is thrown).
final class GRPCClientCall {
    private var inbound: NIOAsyncChannelInboundStream<HTTP2Frame.FramePayload>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTP2Frame.FramePayload>
    private var decoder = GRPCFrameDecoder(maxMessageBytes: 64 << 20)
    private var pending: [[UInt8]] = []
    private var sawHeaders = false
    private var isEnded = false

    init(
        inbound: NIOAsyncChannelInboundStream<HTTP2Frame.FramePayload>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<HTTP2Frame.FramePayload>
    ) {
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Sends one request message.
    func send(_ message: some SwiftProtobuf.Message) async throws {
        try await sendRaw(try message.serializedBytes())
    }

    /// Sends `bytes` as one message, whatever they hold (the tests send malformed ones).
    func sendRaw(_ bytes: [UInt8]) async throws {
        try await outbound.write(.data(.init(data: .byteBuffer(ByteBuffer(bytes: GRPCFrameDecoder.frame(bytes))))))
    }

    /// Half-closes the request side (no more messages).
    func closeRequests() async throws {
        try await outbound.write(.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true)))
    }

    /// The next response message, nil once the call ended with OK.
    /// - Throws: `GatewayError.rpcFailed` with the server's status, or
    ///   `.rpcProtocolViolation` when the response is not gRPC.
    func next<M: SwiftProtobuf.Message>(_ type: M.Type) async throws -> M? {
        while pending.isEmpty {
            guard !isEnded else { return nil }
            guard let frame = try await inbound.next() else {
                throw GatewayError.rpcFailed(.unavailable, message: "the stream closed without a status")
            }
            switch frame {
            case .headers(let headers):
                if !sawHeaders {
                    sawHeaders = true
                    guard headers.headers.first(name: ":status") == "200" else {
                        throw GatewayError.rpcProtocolViolation("HTTP status \(headers.headers.first(name: ":status") ?? "none")")
                    }
                }
                if let status = headers.headers.first(name: "grpc-status") {
                    isEnded = true
                    let code = Int(status).flatMap(GRPCStatusCode.init(rawValue:)) ?? .unknown
                    guard code == .ok else {
                        let message = headers.headers.first(name: "grpc-message")?.removingPercentEncoding ?? ""
                        throw GatewayError.rpcFailed(code, message: message)
                    }
                } else if headers.endStream {
                    throw GatewayError.rpcProtocolViolation("the response ended without grpc-status")
                }
            case .data(let data):
                if case .byteBuffer(let buffer) = data.data { pending += try decoder.feed(buffer.readableBytesView) }
            case .rstStream(let code):
                throw GatewayError.rpcFailed(.unavailable, message: "the server reset the stream (\(code))")
            default:
                break
            }
        }
        return try M(serializedBytes: pending.removeFirst())
    }
}

extension String {
    /// `%XX` sequences decoded (gRPC's `grpc-message` encoding); malformed ones kept as they are.
    fileprivate var removingPercentEncoding: String {
        var bytes: [UInt8] = []
        var utf8 = Array(self.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == 0x25, utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
