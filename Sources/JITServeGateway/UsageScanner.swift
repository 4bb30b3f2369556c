/// Finds `"completion_tokens": N` in a response body as it streams past (a non-streamed answer's
/// `usage`, or a stream's usage chunk), across chunk boundaries, without parsing the JSON: the
/// picker tells a learning router each request's true output length when the response says it.
struct UsageScanner: Sendable {
    private static let key = Array(#""completion_tokens""#.utf8)
    /// The last value seen.
    private(set) var completionTokens: Int?
    /// Bytes carried over from the previous chunk: a key or number may straddle two chunks.
    private var tail: [UInt8] = []

    mutating func scan(_ bytes: some Collection<UInt8>) {
        var window = tail
        window.append(contentsOf: bytes)
        var i = 0
        var consumed = 0
        while i + Self.key.count <= window.count {
            if window[i] == Self.key[0], window[i..<(i + Self.key.count)].elementsEqual(Self.key) {
                var j = i + Self.key.count
                while j < window.count, window[j] == UInt8(ascii: " ") || window[j] == UInt8(ascii: ":") { j += 1 }
                var value = 0
                var digits = 0
                while j < window.count, window[j] >= UInt8(ascii: "0"), window[j] <= UInt8(ascii: "9"), digits < 12 {
                    value = value * 10 + Int(window[j] - UInt8(ascii: "0"))
                    digits += 1
                    j += 1
                }
                if j == window.count {
                    // The number may go on in the next chunk: keep it from the key on.
                    consumed = i
                    tail = Array(window[consumed...])
                    return
                }
                if digits > 0 { completionTokens = value }
                i = j
                consumed = j
            } else {
                i += 1
            }
        }
        // Keep what could be the start of a key cut by the chunk's end.
        let keep = min(window.count - consumed, Self.key.count - 1)
        tail = Array(window.suffix(keep))
    }
}

extension UsageScanner {
    /// The body ended: a number cut off by the end is complete.
    mutating func finish() { scan([UInt8(ascii: "}")]) }
}
