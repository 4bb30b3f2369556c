/// JSON string literals as the server's responses and the load generator's request bodies write
/// them (RFC 8259: quotes, backslashes and control characters escaped, everything else as is).
/// The chat-template renderer's `tojson` keeps its own: it follows Python's `json.dumps`.
public enum JSONStringLiteral {
    /// Writes `s` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func write(_ s: String, into out: inout String) {
        out += "\""
        var needsEscape = false
        for byte in s.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            needsEscape = true
            break
        }
        guard needsEscape else {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
