import NIOCore
import NIOHPACK
import NIOHTTP2
import SwiftProtobuf
import Synchronization

/// The server's side of one gRPC call on an HTTP/2 stream: response headers before the first
/// message, each message as a length-prefixed DATA frame, and trailers with the status last.
/// A call that ends before any message answers "trailers-only" (one HEADERS frame), as gRPC
/// allows for errors.
final class GRPCResponseWriter: Sendable {
    private let outbound: NIOAsyncChannelOutboundWriter<HTTP2Frame.FramePayload>
    /// Whether the response headers are out (set once, by whichever write comes first).
    private let headersSent = Mutex(false)

    init(outbound: NIOAsyncChannelOutboundWriter<HTTP2Frame.FramePayload>) {
        self.outbound = outbound
    }

    /// Sends one message.
    func write(_ message: some SwiftProtobuf.Message) async throws {
        let bytes: [UInt8] = try message.serializedBytes()
        if markHeadersSent() { try await outbound.write(.headers(.init(headers: Self.responseHeaders))) }
        let framed = GRPCFrameDecoder.frame(bytes)
        try await outbound.write(.data(.init(data: .byteBuffer(ByteBuffer(bytes: framed)))))
    }

    /// Ends the call with `code` (and `message`, percent-encoded as gRPC asks).
    func finish(_ code: GRPCStatusCode, message: String = "") async throws {
        var trailers: HPACKHeaders = markHeadersSent() ? Self.responseHeaders : [:]
        trailers.add(name: "grpc-status", value: String(code.rawValue))
        if !message.isEmpty { trailers.add(name: "grpc-message", value: Self.percentEncoded(message)) }
        try await outbound.write(.headers(.init(headers: trailers, endStream: true)))
    }

    static let responseHeaders: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]

    /// gRPC's `grpc-message` encoding: bytes outside printable ASCII, and `%`, as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if byte >= 0x20, byte <= 0x7e, byte != 0x25 {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// True the first time (the caller sends the headers).
    private func markHeadersSent() -> Bool {
        headersSent.withLock { sent in
            defer { sent = true }
            return !sent
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
