extension JinjaRenderer {
    /// Python's `json.dumps(value, ensure_ascii=False, indent=indent)`: `", "` and `": "`
    /// separators on one line, `","` and newlines with an indent.
    static func json(_ value: JinjaValue, indent: Int?, depth: Int) throws -> String {
        guard depth < 64 else { throw fail("tojson: nesting deeper than 64") }
        let newline = indent.map { "\n" + String(repeating: " ", count: $0 * (depth + 1)) }
        let closing = indent.map { "\n" + String(repeating: " ", count: $0 * depth) } ?? ""
        let separator = indent == nil ? ", " : ","
        switch value {
        case .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .double(let d):
            return d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : JinjaValue.pythonFloat(d)
        case .string(let text): return quoted(text.text)
        case .list(let items):
            if items.isEmpty { return "[]" }
            let parts = try items.map { (newline ?? "") + (try json($0, indent: indent, depth: depth + 1)) }
            return "[" + parts.joined(separator: separator) + closing + "]"
        case .dictionary(let dictionary):
            if dictionary.keys.isEmpty { return "{}" }
            let parts = try dictionary.keys.map { key in
                (newline ?? "") + quoted(key) + ": " + (try json(dictionary[key]!, indent: indent, depth: depth + 1))
            }
            return "{" + parts.joined(separator: separator) + closing + "}"
        case .undefined(let name):
            throw fail("tojson: '\(name)' is undefined")
        case .namespace, .function:
            throw fail("tojson: \(value.typeName) is not JSON serialisable")
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
