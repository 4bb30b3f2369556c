import JITServeHTTP
import Testing

@Suite struct APIKeyTests {
    let key = APIKey("s3cret-Key")

    @Test func matchesOnlyTheExactKey() {
        #expect(key.matches(Array("s3cret-Key".utf8)))
        for wrong in ["", "s3cret-Ke", "s3cret-Key!", "s3cret-Kex", "S3cret-Key", "s3cret-Key\0", String(repeating: "a", count: 266)] {
            #expect(!key.matches(Array(wrong.utf8)), "accepted \(wrong.debugDescription)")
        }
        // A key 256 bytes longer than the secret, sharing its prefix, differs only in length.
        #expect(!key.matches(Array(("s3cret-Key" + String(repeating: "\0", count: 256)).utf8)))
        #expect(key.matches("Bearer s3cret-Key".utf8.dropFirst(7)))
    }

    @Test func neverPrintsTheSecret() {
        let configuration = ServerConfiguration(apiKey: "s3cret-Key", servedModelName: "m")
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [String(describing: key), String(reflecting: key), "\(configuration)", dumped] {
            #expect(!text.contains("s3cret"), "leaked in \(text)")
        }
    }
}

@Suite struct RequestSizeLimitsTests {
    let limits = RequestSizeLimits(maxMessages: 3, maxStopStrings: 2, maxStopStringBytes: 8)

    func parse(_ json: String, _ endpoint: GenerationRequest.Endpoint = .chat) throws(HTTPError) -> GenerationRequest {
        try GenerationRequest.parse(Array(json.utf8), endpoint: endpoint)
    }

    func param(of json: String, _ endpoint: GenerationRequest.Endpoint = .chat) -> String? {
        do throws(HTTPError) {
            try parse(json, endpoint).check(limits)
            return nil
        } catch {
            #expect(error.status == 400)
            return error.param
        }
    }

    @Test func acceptsRequestsAtTheLimits() {
        let messages = #"[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]"#
        #expect(param(of: #"{"messages":\#(messages),"stop":["12345678","x"]}"#) == nil)
        #expect(param(of: #"{"prompt":"hi","stop":"12345678"}"#, .completion) == nil)
    }

    @Test func namesTheFieldPastALimit() {
        let four = #"[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"user","content":"d"}]"#
        #expect(param(of: #"{"messages":\#(four)}"#) == "messages")
        #expect(param(of: #"{"prompt":"hi","stop":["a","b","c"]}"#, .completion) == "stop")
        #expect(param(of: #"{"prompt":"hi","stop":["a","123456789"]}"#, .completion) == "stop[1]")
        // Bytes, not characters: 3 two-byte characters + 3 = 9 bytes.
        #expect(param(of: #"{"messages":[{"role":"user","content":"x"}],"stop":"ééé123"}"#) == "stop[0]")
    }
}
