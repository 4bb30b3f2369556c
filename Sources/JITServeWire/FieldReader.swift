/// Typed access to one JSON object's fields, with errors that name the field's full path
/// (`messages[2].content`, `slo.ttft_ms`). A field set to `null` reads as absent, as in OpenAI's API.
package struct FieldReader {
    package let object: JSONObject
    /// Path of `object` itself; empty at the top level.
    package let path: String

    package init(_ value: JSONValue, path: String) throws(HTTPError) {
        guard case .object(let object) = value else {
            throw .invalidField(path.isEmpty ? "body" : path, reason: "expected an object, got \(value.typeName)")
        }
        self.object = object
        self.path = path
    }

    package func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The field's value; nil when missing or null.
    package func value(_ key: String) -> JSONValue? {
        guard let v = object[key], v != .null else { return nil }
        return v
    }

    package func string(_ key: String) throws(HTTPError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw .invalidField(name(key), reason: "expected a string, got \(v.typeName)") }
        return s
    }

    package func bool(_ key: String) throws(HTTPError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else { throw .invalidField(name(key), reason: "expected a boolean, got \(v.typeName)") }
        return b
    }

    package func int(_ key: String, in range: ClosedRange<Int>? = nil) throws(HTTPError) -> Int? {
        guard let v = value(key) else { return nil }
        let i: Int
        switch v {
        case .integer(let n): i = n
        case .number(let d) where d == d.rounded() && abs(d) < 9e15: i = Int(d)
        default: throw .invalidField(name(key), reason: "expected an integer, got \(v == .null ? "null" : v.serialized)")
        }
        if let range, !range.contains(i) {
            throw .invalidField(name(key), reason: "\(i) is out of range \(Self.describe(range))")
        }
        return i
    }

    /// A number; `range` bounds it, and `excludingLower` makes the lower bound open.
    package func double(_ key: String, in range: ClosedRange<Double>? = nil, excludingLower: Bool = false) throws(HTTPError) -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.doubleValue, d.isFinite else {
            throw .invalidField(name(key), reason: "expected a number, got \(v.typeName)")
        }
        if let range {
            let lowerOK = excludingLower ? d > range.lowerBound : d >= range.lowerBound
            guard lowerOK, d <= range.upperBound else {
                let open = excludingLower ? "(" : "["
                let upper = range.upperBound == .greatestFiniteMagnitude ? "∞)" : "\(range.upperBound)]"
                throw .invalidField(name(key), reason: "\(d) is out of range \(open)\(range.lowerBound), \(upper)")
            }
        }
        return d
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == .max { return "[\(range.lowerBound), ∞)" }
        return "[\(range.lowerBound), \(range.upperBound)]"
    }
}
