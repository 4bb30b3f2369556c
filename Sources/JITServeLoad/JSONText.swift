import JITServeCore

/// A request body written as JSON text, field by field, in the order given (no Foundation
/// encoder: bodies are built for every call of a run).
struct JSONText {
    private(set) var text = "{"
    private var isFirst = true

    mutating func field(_ key: String, _ rawValue: String) {
        if !isFirst { text += "," }
        isFirst = false
        text += Self.quoted(key) + ":" + rawValue
    }

    mutating func string(_ key: String, _ value: String) { field(key, Self.quoted(value)) }
    mutating func int(_ key: String, _ value: Int) { field(key, String(value)) }
    mutating func bool(_ key: String, _ value: Bool) { field(key, value ? "true" : "false") }
    mutating func ints(_ key: String, _ values: [Int32]) {
        var out = "["
        out.reserveCapacity(values.count * 6)
        for (i, v) in values.enumerated() {
            if i > 0 { out += "," }
            out += String(v)
        }
        field(key, out + "]")
    }

    var bytes: [UInt8] { Array((text + "}").utf8) }

    /// `value` as a JSON string literal.
    static func quoted(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count + 2)
        JSONStringLiteral.write(value, into: &out)
        return out
    }
}
