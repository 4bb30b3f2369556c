import Testing
import JITServeWire

/// The field reader the server's routes share: errors name the field's full path, `null` reads
/// as absent, and ranges are enforced — checked from the wire module alone (no HTTP stack).
struct FieldReaderTests {
    @Test func errorsNameTheNestedPath() throws {
        let value = try JSONValue.parse(#"{"slo": {"ttft_ms": "soon"}}"#)
        let top = try FieldReader(value, path: "")
        let slo = try FieldReader(try #require(top.value("slo")), path: "slo")
        #expect(throws: HTTPError.self) { try slo.double("ttft_ms") }
        do {
            _ = try slo.double("ttft_ms")
        } catch {
            #expect(error.param == "slo.ttft_ms")
            #expect(error.status == 400)
        }
    }

    @Test func nullReadsAsAbsent() throws {
        let reader = try FieldReader(try JSONValue.parse(#"{"max_tokens": null, "n": 2}"#), path: "")
        #expect(try reader.int("max_tokens") == nil)
        #expect(try reader.int("n") == 2)
    }

    @Test func rangeIsEnforced() throws {
        let reader = try FieldReader(try JSONValue.parse(#"{"n": 0}"#), path: "")
        #expect(throws: HTTPError.self) { try reader.int("n", in: 1...16) }
    }

    @Test func nonObjectIsRefusedNamingTheBody() {
        do {
            _ = try FieldReader(try JSONValue.parse("[1, 2]"), path: "")
            Issue.record("an array was read as an object")
        } catch {
            #expect(error.param == "body")
        }
    }
}
