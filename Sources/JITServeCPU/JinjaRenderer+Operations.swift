import JITServeEngine

extension JinjaRenderer {
    /// `value.name`: a dict's item, a namespace's attribute, `loop.index`, or a bound method.
    static func attribute(_ name: String, of value: JinjaValue) throws -> JinjaValue {
        switch value {
        case .dictionary(let dictionary):
            if let item = dictionary[name] { return item }
            if ["items", "keys", "values", "get"].contains(name) { return .function(name: name, receiver: value) }
            return .undefined(name)
        case .namespace(let namespace):
            return namespace.attributes[name] ?? .undefined(name)
        case .string:
            let methods = [
                "strip", "lstrip", "rstrip", "split", "startswith", "endswith", "lower", "upper", "title",
                "capitalize", "replace", "join", "find", "count",
            ]
            return methods.contains(name) ? .function(name: name, receiver: value) : .undefined(name)
        case .undefined(let base):
            throw fail("'\(base)' is undefined, so it has no attribute '\(name)'")
        default:
            return .undefined(name)
        }
    }

    /// `value[key]`: list index (negative from the end), dict item, string character.
    static func item(_ key: JinjaValue, of value: JinjaValue) throws -> JinjaValue {
        switch (value, key) {
        case (.list(let items), .integer(let i)):
            let index = i < 0 ? items.count + i : i
            return items.indices.contains(index) ? items[index] : .undefined("[\(i)]")
        case (.string(let text), .integer(let i)):
            let characters = Array(text.text)
            let index = i < 0 ? characters.count + i : i
            guard characters.indices.contains(index) else { return .undefined("[\(i)]") }
            return .derivedString(String(characters[index]), from: value)
        case (.dictionary, .string(let name)), (.namespace, .string(let name)):
            return try attribute(name.text, of: value)
        case (.undefined(let base), _):
            throw fail("'\(base)' is undefined, so it has no item \(key.pythonRepr)")
        default:
            return .undefined("[\(key.pythonRepr)]")
        }
    }

    /// `value[start:stop:step]` on a list or string, with Python's clamping.
    static func slice(_ value: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?) throws -> JinjaValue {
        func integer(_ v: JinjaValue?) throws -> Int? {
            switch v {
            case nil, .none?: return nil
            case .integer(let i)?: return i
            case let other?: throw fail("slice indices must be integers, got \(other.typeName)")
            }
        }
        let stride = try integer(step) ?? 1
        guard stride != 0 else { throw fail("slice step cannot be zero") }
        func indices(count: Int) throws -> [Int] {
            func clamp(_ i: Int?, _ defaultValue: Int) -> Int {
                guard var i else { return defaultValue }
                if i < 0 { i += count }
                return stride > 0 ? min(max(i, 0), count) : min(max(i, -1), count - 1)
            }
            let from = clamp(try integer(start), stride > 0 ? 0 : count - 1)
            let to = clamp(try integer(stop), stride > 0 ? count : -1)
            return Array(Swift.stride(from: from, to: to, by: stride))
        }
        switch value {
        case .list(let items):
            return .list(try indices(count: items.count).map { items[$0] })
        case .string(let text):
            let characters = Array(text.text)
            return .derivedString(String(try indices(count: characters.count).map { characters[$0] }), from: value)
        default:
            throw fail("cannot slice \(value.typeName)")
        }
    }

    static func arithmetic(_ op: String, _ left: JinjaValue, _ right: JinjaValue) throws -> JinjaValue {
        switch (op, left, right) {
        case ("~", _, _):
            var joined = left.printed
            for segment in right.printed.segments { joined.append(segment.text, origin: segment.origin) }
            return .string(joined)
        case ("+", .string(var a), .string(let b)):
            for segment in b.segments { a.append(segment.text, origin: segment.origin) }
            return .string(a)
        case ("+", .list(let a), .list(let b)):
            return .list(a + b)
        case ("*", .string(let text), .integer(let n)), ("*", .integer(let n), .string(let text)):
            var repeated = PromptText()
            for _ in 0..<max(0, n) {
                for segment in text.segments { repeated.append(segment.text, origin: segment.origin) }
            }
            return .string(repeated)
        case (_, .integer(let a), .integer(let b)):
            switch op {
            case "+": return .integer(a &+ b)
            case "-": return .integer(a &- b)
            case "*": return .integer(a &* b)
            case "//", "%":
                guard b != 0 else { throw fail("division by zero") }
                // Python floors towards negative infinity.
                let quotient = Int((Double(a) / Double(b)).rounded(.down))
                return .integer(op == "//" ? quotient : a - quotient * b)
            case "/":
                guard b != 0 else { throw fail("division by zero") }
                return .double(Double(a) / Double(b))
            default: break
            }
        default: break
        }
        guard let a = left.numeric, let b = right.numeric, !left.isUndefined, !right.isUndefined else {
            throw fail("unsupported operand types for \(op): \(left.typeName) and \(right.typeName)")
        }
        switch op {
        case "+": return .double(a + b)
        case "-": return .double(a - b)
        case "*": return .double(a * b)
        case "/", "//", "%":
            guard b != 0 else { throw fail("division by zero") }
            if op == "/" { return .double(a / b) }
            let quotient = (a / b).rounded(.down)
            return .double(op == "//" ? quotient : a - quotient * b)
        case "**":
            if case .integer(let base) = left, case .integer(let exponent) = right, exponent >= 0 {
                var result = 1
                for _ in 0..<min(exponent, 64) { result = result &* base }
                return .integer(result)
            }
            return .double(pow(a, b))
        default: throw fail("unknown operator \(op)")
        }
    }

    static func compare(_ op: String, _ left: JinjaValue, _ right: JinjaValue) throws -> Bool {
        switch op {
        case "==": return left.isEqual(to: right)
        case "!=": return !left.isEqual(to: right)
        case "in", "not in":
            let found: Bool
            switch right {
            case .string(let haystack):
                guard case .string(let needle) = left else {
                    throw fail("'in <string>' requires a string on the left, not \(left.typeName)")
                }
                found = needle.text.isEmpty || haystack.text.contains(needle.text)
            case .list(let items): found = items.contains { $0.isEqual(to: left) }
            case .dictionary(let dictionary): found = dictionary[left.pythonString] != nil && isKey(left)
            case .undefined: throw fail("'in' on an undefined value")
            default: throw fail("'in' needs a string, list or dict on the right, not \(right.typeName)")
            }
            return op == "in" ? found : !found
        default:
            let order: Int
            if case .string(let a) = left, case .string(let b) = right {
                order = a.text == b.text ? 0 : (a.text.unicodeScalars.lexicographicallyPrecedes(b.text.unicodeScalars) ? -1 : 1)
            } else if let a = left.numeric, let b = right.numeric {
                order = a == b ? 0 : (a < b ? -1 : 1)
            } else {
                throw fail("cannot compare \(left.typeName) with \(right.typeName) using \(op)")
            }
            switch op {
            case "<": return order < 0
            case ">": return order > 0
            case "<=": return order <= 0
            default: return order >= 0
            }
        }
    }

    private static func isKey(_ value: JinjaValue) -> Bool {
        if case .string = value { true } else { false }
    }
}

private func pow(_ a: Double, _ b: Double) -> Double {
    var result = 1.0
    if b == b.rounded(), abs(b) < 1024 {
        for _ in 0..<Int(abs(b)) { result *= a }
        return b < 0 ? 1 / result : result
    }
    return .nan
}
