/// One request's output processor (vLLM's incremental detokenizer and stop checker in one):
/// turns its tokens, one at a time, into the text deltas a client receives.
///
/// - Characters split across tokens go out whole: bytes of an unfinished UTF-8 sequence at the
///   end are held until the rest arrives.
/// - Stop strings are matched on bytes, as vLLM does: the output ends just before the first
///   one, and text that could still be the start of one is held back until the next token
///   settles it.
/// - At the end (`finish()`), whatever is held back is released. An unfinished character there
///   becomes U+FFFD rather than vanishing: the client was charged for the token that carried
///   its first bytes, and the streamed text then equals `TextCodec.decode` of the same tokens
///   (what a non-streamed answer and `/detokenize` return), as with Hugging Face's `decode`.
///
/// It keeps only what is not yet sent, so each token costs the same however long the answer.
public struct Detokenizer: Sendable {
    /// What one token settled.
    public struct Delta: Sendable, Equatable {
        /// Text the client may now be sent (possibly empty).
        public var text: String
        /// True when a stop string completed with this token: the response ends here, and
        /// `text` stops just before the stop string.
        public var isStopped: Bool

        public init(text: String, isStopped: Bool) {
            self.text = text
            self.isStopped = isStopped
        }
    }

    private let codec: any TextCodec
    private let stops: [[UInt8]]
    /// Bytes held back so that no stop string can begin in text already sent.
    private let holdBack: Int
    /// Whole characters not yet sent.
    private var unsent: [UInt8] = []
    /// Bytes of a character whose remaining bytes have not arrived.
    private var partial: [UInt8] = []
    /// True once a stop string was found; nothing more is emitted.
    public private(set) var isStopped = false

    public init(codec: any TextCodec, stopStrings: [String]) {
        self.codec = codec
        stops = stopStrings.map { Array($0.utf8) }.filter { !$0.isEmpty }
        holdBack = max(0, (stops.map(\.count).max() ?? 0) - 1)
    }

    /// Adds one token.
    public mutating func append(_ token: Int32) -> Delta {
        guard !isStopped else { return Delta(text: "", isStopped: true) }
        partial.append(contentsOf: codec.bytes(of: token))
        let complete = Self.completePrefixLength(partial)
        if complete > 0 {
            unsent.append(contentsOf: partial[0..<complete])
            partial.removeFirst(complete)
        }
        if let stopAt = firstStop() {
            isStopped = true
            let text = String(decoding: unsent[0..<stopAt], as: UTF8.self)
            unsent.removeAll()
            partial.removeAll()
            return Delta(text: text, isStopped: true)
        }
        // Send all but the last `holdBack` bytes, backing off to a character boundary.
        var cut = unsent.count - holdBack
        while cut > 0, cut < unsent.count, unsent[cut] & 0xC0 == 0x80 { cut -= 1 }
        return Delta(text: take(max(0, cut)), isStopped: false)
    }

    /// Everything still held back, at the end of the response (empty after a stop).
    public mutating func finish() -> String {
        guard !isStopped else { return "" }
        unsent.append(contentsOf: partial)
        partial.removeAll()
        return take(unsent.count)
    }

    private mutating func take(_ count: Int) -> String {
        guard count > 0 else { return "" }
        let text = String(decoding: unsent[0..<count], as: UTF8.self)
        unsent.removeFirst(count)
        return text
    }

    /// Start of the earliest stop string in the unsent bytes. By holding back `holdBack` bytes,
    /// no stop string can have begun in text already sent.
    private func firstStop() -> Int? {
        var best: Int?
        for stop in stops where unsent.count >= stop.count {
            var i = 0
            let last = min(unsent.count - stop.count, (best ?? Int.max) - 1)
            while i <= last {
                if unsent[i] == stop[0], unsent[i..<(i + stop.count)].elementsEqual(stop) {
                    best = i
                    break
                }
                i += 1
            }
        }
        return best
    }

    /// Length of the longest prefix of `bytes` that does not end inside an unfinished UTF-8
    /// sequence. Only a truncated sequence at the very end is held; invalid bytes elsewhere go
    /// out (as U+FFFD) rather than stalling the stream.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        var back = 1
        while back <= min(3, count) {
            let byte = bytes[count - back]
            if byte & 0xC0 != 0x80 {  // a lead or ASCII byte
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
