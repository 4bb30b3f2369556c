/// gRPC's length-prefixed message framing over an HTTP/2 stream's DATA frames: each message is
/// a 1-byte compressed flag, a 4-byte big-endian length, then that many bytes of protobuf.
/// DATA frames cut messages wherever the sender's flow control did, so bytes are buffered until
/// a whole message is in.
struct GRPCFrameDecoder {
    /// Largest message accepted (a larger prefix fails before any of it is buffered).
    let maxMessageBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Appends `bytes`; returns every message they complete, in order.
    /// - Throws: `GatewayError.rpcFailed` with `unimplemented` for a compressed message (the
    ///   server advertises no `grpc-accept-encoding`, so a peer must not send one) or
    ///   `resourceExhausted` for one larger than `maxMessageBytes`.
    mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) throws(GatewayError) -> [[UInt8]] {
        buffer.append(contentsOf: bytes)
        var messages: [[UInt8]] = []
        while buffer.count - start >= Self.prefixBytes {
            let flag = buffer[start]
            guard flag == 0 else {
                throw .rpcFailed(.unimplemented, message: "compressed gRPC messages are not supported (flag \(flag))")
            }
            var length = 0
            for i in 1...4 { length = length << 8 | Int(buffer[start + i]) }
            guard length <= maxMessageBytes else {
                throw .rpcFailed(.resourceExhausted, message: "message of \(length) bytes is larger than the limit of \(maxMessageBytes)")
            }
            let end = start + Self.prefixBytes + length
            guard buffer.count >= end else { break }
            messages.append(Array(buffer[(start + Self.prefixBytes)..<end]))
            start = end
        }
        // Drop consumed bytes once they are a good share of the buffer (amortised O(1)).
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        return messages
    }

    /// True when bytes of an unfinished message are buffered (a stream that ends here was cut).
    var hasPartialMessage: Bool { buffer.count > start }

    /// `message` with its 5-byte prefix (uncompressed).
    static func frame(_ message: [UInt8]) -> [UInt8] {
        let n = UInt32(message.count)
        var out: [UInt8] = [0, UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
        out.reserveCapacity(out.count + message.count)
        out.append(contentsOf: message)
        return out
    }

    static let prefixBytes = 5
}
