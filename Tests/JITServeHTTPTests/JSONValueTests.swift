import JITServeHTTP
import Testing

@Suite struct JSONValueTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(#" {"a": [1, -2.5e1, true, false, null], "b": {"c": "d\n\u00e9"}, "e": 12345678901} "#)
        #expect(value["a"] == .array([.integer(1), .number(-25), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d\né"))
        #expect(value["e"] == .integer(12_345_678_901))
    }

    @Test func joinsSurrogatePairsAndRepairsLoneOnes() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue.parse(#""\ud83d x""#) == .string("\u{FFFD} x"))
    }

    @Test func roundTripsThroughSerialization() throws {
        let value: JSONValue = ["text": "quote \" backslash \\ tab \t nul \u{0}", "n": 3, "x": 0.25, "list": [nil, true]]
        #expect(try JSONValue.parse(value.serialized) == value)
        #expect(value.serialized.contains("\\u0000"))
    }

    @Test(arguments: [
        ("", 0), ("{", 1), ("{\"a\" 1}", 5), ("[1,]", 3), ("tru", 3), ("01", 1), ("\"abc", 4), ("{} x", 3),
        ("[1.]", 3), ("\"\\x\"", 3),
    ])
    func reportsWhereMalformedInputFails(text: String, offset: Int) {
        #expect(throws: HTTPError.self) { try JSONValue.parse(text) }
        do {
            _ = try JSONValue.parse(text)
        } catch {
            guard case .malformedJSON(_, let at) = error else {
                Issue.record("expected malformedJSON, got \(error)")
                return
            }
            #expect(at == offset)
        }
    }

    @Test func refusesHostileNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: HTTPError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect((try? JSONValue.parse(fine)) != nil)
    }

    @Test func rejectsInvalidUTF8InStrings() {
        #expect(throws: HTTPError.self) { try JSONValue.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }
}
