/// Turns a request's output tokens into the text deltas a client receives.
///
/// Joins the tokens' bytes so that a character split across tokens goes out whole, and applies
/// stop strings the way vLLM does: output stops before the first stop string, and text that
/// could still be the start of one is held back until the next token settles it.
public struct TextAssembler: Sendable {
    private let stops: [[UInt8]]
    private let holdBack: Int
    /// Output so far, complete UTF-8 only.
    private var bytes: [UInt8] = []
    /// Bytes of a character whose remaining bytes have not arrived.
    private var partial: [UInt8] = []
    /// Bytes of `bytes` already handed out.
    private var emitted = 0
    /// True once a stop string was found; nothing more is emitted.
    public private(set) var isStopped = false

    public init(stopStrings: [String]) {
        stops = stopStrings.map { Array($0.utf8) }.filter { !$0.isEmpty }
        holdBack = max(0, (stops.map(\.count).max() ?? 0) - 1)
    }

    /// The text added by one token's bytes (possibly empty, while a character or a possible stop
    /// string is pending).
    public mutating func append(_ tokenBytes: [UInt8]) -> String {
        guard !isStopped else { return "" }
        partial.append(contentsOf: tokenBytes)
        let complete = Self.completePrefixLength(partial)
        if complete > 0 {
            bytes.append(contentsOf: partial[0..<complete])
            partial.removeFirst(complete)
        }
        if !stops.isEmpty, let stopAt = firstStop() {
            isStopped = true
            return take(upTo: stopAt)
        }
        var cut = bytes.count - holdBack
        while cut > emitted, cut < bytes.count, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        return take(upTo: cut)
    }

    /// Whatever is still held back, at the end of the response (an incomplete character is
    /// dropped: it can never be completed).
    public mutating func finish() -> String {
        guard !isStopped else { return "" }
        return take(upTo: bytes.count)
    }

    /// The whole output as sent: up to the stop string when one was found.
    public var text: String { String(decoding: bytes[0..<(isStopped ? emitted : bytes.count)], as: UTF8.self) }

    private mutating func take(upTo end: Int) -> String {
        guard end > emitted else { return "" }
        let delta = String(decoding: bytes[emitted..<end], as: UTF8.self)
        emitted = end
        return delta
    }

    /// Start of the earliest stop string in the unemitted text (plus what a stop could span).
    private func firstStop() -> Int? {
        let from = max(0, emitted - holdBack)
        var best: Int?
        for stop in stops where bytes.count - from >= stop.count {
            var i = from
            while i + stop.count <= bytes.count {
                if bytes[i] == stop[0], bytes[i..<(i + stop.count)].elementsEqual(stop) {
                    if best.map({ i < $0 }) ?? true { best = i }
                    break
                }
                i += 1
            }
        }
        return best.map { max($0, emitted) }
    }

    /// Length of the longest prefix of `data` that ends on a character boundary.
    static func completePrefixLength(_ data: [UInt8]) -> Int {
        var i = data.count - 1
        var continuation = 0
        while i >= 0, continuation < 4 {
            let b = data[i]
            if b & 0xC0 != 0x80 {
                let length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                return length <= continuation + 1 ? data.count : i
            }
            continuation += 1
            i -= 1
        }
        return data.count
    }
}
