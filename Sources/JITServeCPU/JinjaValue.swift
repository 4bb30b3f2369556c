import Foundation
import JITServeEngine

/// A value inside a chat template, with Python's semantics as Jinja gives them (truthiness,
/// `str()`, equality). Strings are `PromptText`: they remember which characters came from the
/// template and which from a client's message, through concatenation, trimming and joining,
/// so the rendered prompt can be tokenized by origin.
indirect enum JinjaValue: Sendable {
    /// A missing variable, attribute or key (Jinja's default `Undefined`): prints as nothing, is
    /// false, iterates as empty; anything more is an error naming `name`.
    case undefined(String)
    case none
    case bool(Bool)
    case integer(Int)
    case double(Double)
    case string(PromptText)
    case list([JinjaValue])
    case dictionary(JinjaDictionary)
    case namespace(JinjaNamespace)
    /// A callable: a global function (`raise_exception`), or a method bound to its receiver.
    case function(name: String, receiver: JinjaValue?)

    static func text(_ text: String) -> JinjaValue { .string(.template(text)) }

    var isUndefined: Bool { if case .undefined = self { true } else { false } }

    /// Python's truth value.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let value): value
        case .integer(let value): value != 0
        case .double(let value): value != 0
        case .string(let value): !value.segments.isEmpty
        case .list(let items): !items.isEmpty
        case .dictionary(let dictionary): !dictionary.keys.isEmpty
        case .namespace, .function: true
        }
    }

    /// Python's `str()`, origin-tracked for strings; other values print as template text unless
    /// they hold client text (then the whole print counts as client text).
    var printed: PromptText {
        switch self {
        case .string(let value): return value
        case .undefined: return PromptText()
        default:
            let text = pythonString
            return containsContent ? .content(text) : .template(text)
        }
    }

    /// `str()` as plain text.
    var pythonString: String {
        switch self {
        case .undefined: ""
        case .none: "None"
        case .bool(let value): value ? "True" : "False"
        case .integer(let value): String(value)
        case .double(let value): Self.pythonFloat(value)
        case .string(let value): value.text
        case .list, .dictionary: pythonRepr
        case .namespace: "<Namespace>"
        case .function(let name, _): "<function \(name)>"
        }
    }

    /// Python's `repr()` (lists print their items this way).
    var pythonRepr: String {
        switch self {
        case .string(let value): return Self.pythonQuoted(value.text)
        case .list(let items): return "[" + items.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .dictionary(let dictionary):
            let pairs = dictionary.keys.map { Self.pythonQuoted($0) + ": " + dictionary.values[$0]!.pythonRepr }
            return "{" + pairs.joined(separator: ", ") + "}"
        default: return pythonString
        }
    }

    /// Whether any string inside came from a client.
    var containsContent: Bool {
        switch self {
        case .string(let value): value.segments.contains { $0.origin == .content }
        case .list(let items): items.contains { $0.containsContent }
        case .dictionary(let dictionary): dictionary.values.values.contains { $0.containsContent }
        default: false
        }
    }

    /// The origin a value derived from `sources` gets when it cannot be tracked character by
    /// character (case changes, replacements, slices): client text if any source holds some.
    static func derivedString(_ text: String, from sources: JinjaValue...) -> JinjaValue {
        sources.contains { $0.containsContent } ? .string(.content(text)) : .text(text)
    }

    static func pythonFloat(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == value.rounded(), abs(value) < 1e16 { return String(format: "%.1f", value) }
        return "\(value)"
    }

    static func pythonQuoted(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + String(format: "%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }

    /// Python's `==` (1 == 1.0, True == 1; undefined equals only undefined).
    func isEqual(to other: JinjaValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a.text == b.text
        case (.list(let a), .list(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.isEqual(to: $1) }
        case (.dictionary(let a), .dictionary(let b)):
            return Set(a.keys) == Set(b.keys) && a.keys.allSatisfy { a.values[$0]!.isEqual(to: b.values[$0]!) }
        case (.namespace(let a), .namespace(let b)): return a === b
        default:
            if let x = numeric, let y = other.numeric { return x == y }
            return false
        }
    }

    /// The number a value stands for in arithmetic and comparisons (bools count as 0 and 1).
    var numeric: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        case .bool(let value): value ? 1 : 0
        default: nil
        }
    }

    /// The name of the value's type, for error messages.
    var typeName: String {
        switch self {
        case .undefined(let name): "undefined ('\(name)')"
        case .none: "none"
        case .bool: "boolean"
        case .integer: "integer"
        case .double: "float"
        case .string: "string"
        case .list: "list"
        case .dictionary: "dict"
        case .namespace: "namespace"
        case .function: "function"
        }
    }
}

/// A Jinja dict: string keys in insertion order (as Python keeps them).
struct JinjaDictionary: Sendable {
    private(set) var keys: [String] = []
    private(set) var values: [String: JinjaValue] = [:]

    init(_ pairs: [(String, JinjaValue)] = []) {
        for (key, value) in pairs { self[key] = value }
    }

    subscript(key: String) -> JinjaValue? {
        get { values[key] }
        set {
            if values[key] == nil, newValue != nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            values[key] = newValue
        }
    }
}

/// `namespace()`: the one mutable object a template has, so a loop can hand a value out of
/// its scope (`{% set ns.found = true %}`). Only the renderer's thread touches it.
final class JinjaNamespace: @unchecked Sendable {
    var attributes = JinjaDictionary()
}
