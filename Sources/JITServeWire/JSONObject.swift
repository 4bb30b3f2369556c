/// A JSON object that keeps its keys in order (responses read the way OpenAI's do).
/// Lookups are linear: request and response objects have a handful of keys.
public struct JSONObject: Equatable, Sendable, ExpressibleByDictionaryLiteral {
    public private(set) var pairs: [(String, JSONValue)]

    public init(pairs: [(String, JSONValue)] = []) { self.pairs = pairs }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { pairs = elements }

    /// The value of `key`; with duplicate keys the last one wins, as in most JSON parsers.
    public subscript(key: String) -> JSONValue? {
        get { pairs.last { $0.0 == key }?.1 }
        set {
            pairs.removeAll { $0.0 == key }
            if let newValue { pairs.append((key, newValue)) }
        }
    }

    public var keys: [String] { pairs.map(\.0) }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.pairs.count == rhs.pairs.count && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}
