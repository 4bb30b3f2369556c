import Foundation
import JITServeEngine

extension JinjaRenderer {
    /// `value | name(arguments)`: the filters chat templates use. `tojson` is Hugging Face's
    /// (Python's `json.dumps` with `ensure_ascii=False`, keys in order), not Jinja's HTML-safe one.
    func applyFilter(
        _ name: String, to value: JinjaValue, arguments: [JinjaValue], keywords: [(String, JinjaValue)]
    ) throws -> JinjaValue {
        func keyword(_ key: String, _ position: Int) -> JinjaValue? {
            keywords.first { $0.0 == key }?.1 ?? (position < arguments.count ? arguments[position] : nil)
        }
        switch name {
        case "trim", "strip":
            guard case .string(let text) = value else { throw Self.fail("trim needs a string, not \(value.typeName)") }
            let characters = keyword("chars", 0).map { Set($0.pythonString) }
            return .string(Self.trim(text, leading: true, trailing: true, characters: characters))
        case "length", "count":
            switch value {
            case .string(let text): return .integer(text.text.count)
            case .list(let items): return .integer(items.count)
            case .dictionary(let dictionary): return .integer(dictionary.keys.count)
            case .undefined: return .integer(0)
            default: throw Self.fail("\(value.typeName) has no length")
            }
        case "tojson":
            var indent: Int?
            if case .integer(let n)? = keyword("indent", 0) { indent = n }
            let json = try Self.json(value, indent: indent, depth: 0)
            return value.containsContent ? .string(.content(json)) : .text(json)
        case "string":
            return .string(value.printed)
        case "upper", "lower", "title", "capitalize":
            return .derivedString(Self.caseChanged(value.pythonString, name), from: value)
        case "first", "last":
            let items = try Self.iterate(value)
            return (name == "first" ? items.first : items.last) ?? .undefined(name)
        case "join":
            let separator: PromptText
            if case .string(let s)? = keyword("d", 0) { separator = s } else { separator = PromptText() }
            var items = try Self.iterate(value)
            if let attribute = keyword("attribute", 1) {
                items = try items.map { try Self.attribute(attribute.pythonString, of: $0) }
            }
            return try Self.joined(items, separator: separator)
        case "default", "d":
            let fallback = keyword("default_value", 0) ?? .text("")
            let boolean = keyword("boolean", 1)?.isTruthy ?? false
            return value.isUndefined || (boolean && !value.isTruthy) ? fallback : value
        case "list":
            return .list(try Self.iterate(value))
        case "items":
            guard case .dictionary = value else { throw Self.fail("items needs a dict, not \(value.typeName)") }
            return try Self.method("items", of: value, arguments: [])
        case "reverse":
            if case .string(let text) = value { return .derivedString(String(text.text.reversed()), from: value) }
            return .list(try Self.iterate(value).reversed())
        case "int":
            switch value {
            case .integer: return value
            case .double(let d): return .integer(Int(d))
            case .bool(let b): return .integer(b ? 1 : 0)
            case .string(let s): return .integer(Int(s.text.trimmingCharacters(in: .whitespaces)) ?? 0)
            default: return .integer(0)
            }
        case "float":
            return .double(value.numeric ?? Double(value.pythonString) ?? 0)
        case "abs":
            if case .integer(let i) = value { return .integer(abs(i)) }
            guard let number = value.numeric else { throw Self.fail("abs needs a number") }
            return .double(abs(number))
        case "replace":
            guard let old = arguments.first?.pythonString, arguments.count > 1 else { throw Self.fail("replace needs two strings") }
            return .derivedString(
                value.pythonString.replacingOccurrences(of: old, with: arguments[1].pythonString), from: value, arguments[1])
        case "safe":
            return value
        case "selectattr", "rejectattr", "select", "reject":
            let keepsMatches = name == "selectattr" || name == "select"
            let byAttribute = name.hasSuffix("attr")
            let items = try Self.iterate(value)
            var rest = arguments
            var attribute: String?
            if byAttribute {
                guard !rest.isEmpty else { throw Self.fail("\(name) needs an attribute name") }
                attribute = rest.removeFirst().pythonString
            }
            let testName = rest.isEmpty ? nil : rest.removeFirst().pythonString
            return .list(try items.filter { item in
                let subject = try attribute.map { try Self.attribute($0, of: item) } ?? item
                let passed = try testName.map { try applyTest($0, to: subject, arguments: rest) } ?? subject.isTruthy
                return passed == keepsMatches
            })
        case "map":
            let items = try Self.iterate(value)
            if let attribute = keywords.first(where: { $0.0 == "attribute" })?.1 {
                return .list(try items.map { try Self.attribute(attribute.pythonString, of: $0) })
            }
            guard let filterName = arguments.first?.pythonString else { throw Self.fail("map needs a filter or attribute=") }
            return .list(try items.map {
                try applyFilter(filterName, to: $0, arguments: Array(arguments.dropFirst()), keywords: [])
            })
        case "indent":
            let width: Int
            if case .integer(let n)? = keyword("width", 0) { width = n } else { width = 4 }
            let first = keyword("first", 1)?.isTruthy ?? false
            let pad = String(repeating: " ", count: width)
            let lines = value.pythonString.components(separatedBy: "\n")
            let text = lines.enumerated().map { index, line in
                (index == 0 && !first) || line.isEmpty ? line : pad + line
            }.joined(separator: "\n")
            return .derivedString(text, from: value)
        default:
            throw Self.fail("unknown filter '\(name)'")
        }
    }

    /// `value is name(arguments)`.
    func applyTest(_ name: String, to value: JinjaValue, arguments: [JinjaValue]) throws -> Bool {
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true } else { return false }
        case "string": if case .string = value { return true } else { return false }
        case "mapping": if case .dictionary = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "integer": if case .integer = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "number":
            switch value {
            case .integer, .double, .bool: return true
            default: return false
            }
        case "sequence", "iterable":
            switch value {
            case .list, .string, .dictionary: return true
            default: return false
            }
        case "callable": if case .function = value { return true } else { return false }
        case "equalto", "eq", "==", "sameas": return value.isEqual(to: arguments.first ?? .undefined("argument"))
        case "ne", "!=": return !value.isEqual(to: arguments.first ?? .undefined("argument"))
        case "in": return try Self.compare("in", value, arguments.first ?? .list([]))
        case "odd", "even", "divisibleby":
            guard case .integer(let n) = value else { throw Self.fail("'\(name)' needs an integer") }
            if name == "divisibleby" {
                guard case .integer(let d)? = arguments.first, d != 0 else { throw Self.fail("divisibleby needs a divisor") }
                return n % d == 0
            }
            return (n % 2 != 0) == (name == "odd")
        case "lower": return value.pythonString == value.pythonString.lowercased()
        case "upper": return value.pythonString == value.pythonString.uppercased()
        case "gt", "lt", "ge", "le", ">", "<", ">=", "<=":
            let op = ["gt": ">", "lt": "<", "ge": ">=", "le": "<="][name] ?? name
            return try Self.compare(op, value, arguments.first ?? .none)
        default:
            throw Self.fail("unknown test '\(name)'")
        }
    }
}
