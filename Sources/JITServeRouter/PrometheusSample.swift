/// One series' value from a Prometheus text exposition: `name{label="value",…} value`.
public struct PrometheusSample: Hashable, Sendable {
    public var name: String
    /// Labels in the order written.
    public var labels: [PrometheusLabel]
    public var value: Double

    public init(name: String, labels: [PrometheusLabel] = [], value: Double) {
        self.name = name
        self.labels = labels
        self.value = value
    }

    /// The value of label `name`, if the series has it.
    public func label(_ name: String) -> String? { labels.first { $0.name == name }?.value }

    /// Every sample of a Prometheus text exposition (format 0.0.4), comments and blank lines
    /// skipped. Label values are unescaped (`\\`, `\"`, `\n`); values may be `NaN`, `+Inf`,
    /// `-Inf`; a trailing timestamp is ignored.
    ///
    /// - Throws: `RouterError.malformedMetrics` naming the first line that is not a sample.
    public static func parse(_ text: String) throws(RouterError) -> [PrometheusSample] {
        var samples: [PrometheusSample] = []
        var lineNumber = 0
        // Split bytes, not characters: Swift reads "\r\n" as one character, which is no "\n".
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var cursor = PrometheusLineCursor(Array(line))
            cursor.skipSpaces()
            if cursor.isAtEnd || cursor.peek == UInt8(ascii: "#") { continue }
            do {
                samples.append(try cursor.sample())
            } catch {
                throw .malformedMetrics(line: lineNumber, reason: error.reason)
            }
        }
        return samples
    }
}

/// A label of a Prometheus series.
public struct PrometheusLabel: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Reads one sample line byte by byte.
struct PrometheusLineCursor {
    struct Failure: Error { let reason: String }

    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        var end = bytes.count
        // Tolerate CRLF line ends.
        while end > 0, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        self.bytes = Array(bytes[..<end])
    }

    var isAtEnd: Bool { index >= bytes.count }
    var peek: UInt8 { bytes[index] }

    mutating func skipSpaces() {
        while !isAtEnd, peek == UInt8(ascii: " ") || peek == UInt8(ascii: "\t") { index += 1 }
    }

    mutating func sample() throws(Failure) -> PrometheusSample {
        let name = try identifier(allowColon: true)
        var labels: [PrometheusLabel] = []
        skipSpaces()
        if !isAtEnd, peek == UInt8(ascii: "{") {
            index += 1
            labels = try labelList()
        }
        skipSpaces()
        let start = index
        while !isAtEnd, peek != UInt8(ascii: " "), peek != UInt8(ascii: "\t") { index += 1 }
        guard start < index else { throw Failure(reason: "'\(name)' has no value") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Self.number(text) else { throw Failure(reason: "'\(name)' has value '\(text)', not a number") }
        skipSpaces()
        if !isAtEnd {
            // An optional timestamp (integer milliseconds); anything else is an error.
            let rest = String(decoding: bytes[index...], as: UTF8.self)
            guard Int64(rest.trimmingSpaces()) != nil else { throw Failure(reason: "unexpected '\(rest)' after the value of '\(name)'") }
        }
        return PrometheusSample(name: name, labels: labels, value: value)
    }

    private mutating func labelList() throws(Failure) -> [PrometheusLabel] {
        var labels: [PrometheusLabel] = []
        while true {
            skipSpaces()
            guard !isAtEnd else { throw Failure(reason: "unterminated label set") }
            if peek == UInt8(ascii: "}") {
                index += 1
                return labels
            }
            let name = try identifier(allowColon: false)
            skipSpaces()
            guard !isAtEnd, peek == UInt8(ascii: "=") else { throw Failure(reason: "label '\(name)' has no '='") }
            index += 1
            skipSpaces()
            labels.append(PrometheusLabel(name: name, value: try quoted()))
            skipSpaces()
            if !isAtEnd, peek == UInt8(ascii: ",") { index += 1 }
        }
    }

    private mutating func quoted() throws(Failure) -> String {
        guard !isAtEnd, peek == UInt8(ascii: "\"") else { throw Failure(reason: "label value is not quoted") }
        index += 1
        var value: [UInt8] = []
        while !isAtEnd {
            let byte = peek
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard !isAtEnd else { break }
                let escaped = peek
                index += 1
                value.append(escaped == UInt8(ascii: "n") ? UInt8(ascii: "\n") : escaped)
            default:
                value.append(byte)
            }
        }
        throw Failure(reason: "unterminated label value")
    }

    private mutating func identifier(allowColon: Bool) throws(Failure) -> String {
        let start = index
        while !isAtEnd {
            let b = peek
            let letter = (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                || b == UInt8(ascii: "_") || (allowColon && b == UInt8(ascii: ":"))
            let digit = b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
            guard letter || (digit && index > start) else { break }
            index += 1
        }
        guard index > start else {
            let rest = String(decoding: bytes[index...].prefix(16), as: UTF8.self)
            throw Failure(reason: "expected a name at '\(rest)'")
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    static func number(_ text: String) -> Double? {
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }
}

extension String {
    func trimmingSpaces() -> Substring {
        var s = self[...]
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
