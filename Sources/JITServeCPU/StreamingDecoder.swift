/// Turns tokens into text as they are generated, emitting only whole UTF-8 characters: a
/// character split across tokens (emoji, CJK in byte-level BPE) is held back until its last byte
/// arrives, so a stream never shows half a character or a spurious U+FFFD.
public struct StreamingDecoder: Sendable {
    public let tokenizer: Tokenizer
    /// Whether control tokens (e.g. `<|im_end|>`) appear in the text.
    public let includeSpecial: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: Tokenizer, includeSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.includeSpecial = includeSpecial
    }

    /// Adds one token and returns the text that is now complete (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        if !includeSpecial && tokenizer.isSpecial(id) { return "" }
        pending.append(contentsOf: tokenizer.bytes(of: id))
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[0..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Returns whatever is held back (an unfinished character becomes U+FFFD) and resets.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Bytes held back waiting for the rest of a character.
    public var pendingByteCount: Int { pending.count }

    /// Length of the longest prefix that does not end inside an unfinished multi-byte sequence.
    /// Only a truncated sequence at the very end is held back; invalid bytes elsewhere are
    /// emitted (as U+FFFD) rather than stalling the stream.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        var back = 1
        while back <= min(3, count) {
            let byte = bytes[count - back]
            if byte & 0xC0 != 0x80 {  // not a continuation byte: a lead or ASCII byte
                let needed: Int
                switch byte {
                case 0xC2...0xDF: needed = 2
                case 0xE0...0xEF: needed = 3
                case 0xF0...0xF4: needed = 4
                default: needed = 1
                }
                return needed > back ? count - back : count
            }
            back += 1
        }
        return count
    }
}
