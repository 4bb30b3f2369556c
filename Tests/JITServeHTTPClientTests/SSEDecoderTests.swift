import JITServeHTTPClient
import Testing

@Suite struct SSEDecoderTests {
    @Test func eventsSurviveAnyCutOfTheBytes() {
        let stream = "data: {\"a\":1}\n\n: comment\n\ndata: two\r\ndata: lines\r\n\r\ndata: [DONE]\n\n"
        let bytes = Array(stream.utf8)
        for cut in 1..<bytes.count {
            var decoder = SSEDecoder()
            let events = decoder.feed(Array(bytes[..<cut])) + decoder.feed(Array(bytes[cut...]))
            #expect(events == ["{\"a\":1}", "two\nlines", "[DONE]"], "cut at \(cut)")
        }
    }

    @Test func anIncompleteEventWaitsForItsBlankLine() {
        var decoder = SSEDecoder()
        #expect(decoder.feed(Array("data: x\n".utf8)).isEmpty)
        #expect(decoder.feed(Array("\n".utf8)) == ["x"])
    }

    @Test func urlsParseAndRefuseWhatTheyCannotReach() throws {
        let url = try ServerURL(parsing: "http://127.0.0.1:8000/api/")
        #expect(url.host == "127.0.0.1" && url.port == 8000 && url.basePath == "/api")
        #expect(try ServerURL(parsing: "http://[::1]:9000").host == "::1")
        #expect(try ServerURL(parsing: "http://example").port == 80)
        #expect(throws: HTTPClientError.self) { try ServerURL(parsing: "https://x:1") }
        #expect(throws: HTTPClientError.self) { try ServerURL(parsing: "http://x:99999") }
    }
}
