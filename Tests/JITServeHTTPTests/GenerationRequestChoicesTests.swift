import JITServeCore
import JITServeHTTP
import Testing

@Suite struct GenerationRequestChoicesTests {
    static func parse(_ json: String, _ endpoint: GenerationRequest.Endpoint) throws -> GenerationRequest {
        try GenerationRequest.parse(Array(json.utf8), endpoint: endpoint)
    }

    @Test func chatLogprobsAndChoices() throws {
        let request = try Self.parse(
            #"{"messages": [{"role": "user", "content": "x"}], "logprobs": true, "top_logprobs": 3, "n": 4, "seed": 9}"#, .chat)
        #expect(request.sampling.logprobCount == 3 && request.sampling.promptLogprobCount == nil)
        #expect(request.choiceCount == 4 && request.sampling.seed == 9 && !request.echo)
        let plain = try Self.parse(#"{"messages": [{"role": "user", "content": "x"}], "logprobs": false}"#, .chat)
        #expect(plain.sampling.logprobCount == nil && plain.choiceCount == 1)
        let bare = try Self.parse(#"{"messages": [{"role": "user", "content": "x"}], "logprobs": true}"#, .chat)
        #expect(bare.sampling.logprobCount == 0)
    }

    @Test func completionEchoAsksForPromptLogprobsOnlyWithLogprobs() throws {
        let scored = try Self.parse(#"{"prompt": [1, 2, 3], "logprobs": 1, "echo": true, "max_tokens": 1}"#, .completion)
        #expect(scored.echo && scored.sampling.logprobCount == 1 && scored.sampling.promptLogprobCount == 1)
        let echoed = try Self.parse(#"{"prompt": "hi", "echo": true}"#, .completion)
        #expect(echoed.echo && echoed.sampling.promptLogprobCount == nil)
        #expect(throws: HTTPError.self) { try Self.parse(#"{"prompt": "hi", "logprobs": 21}"#, .completion) }
        // max_tokens 0 asks for the prompt alone: only with echo, only on completions.
        let promptOnly = try Self.parse(#"{"prompt": "hi", "echo": true, "logprobs": 1, "max_tokens": 0}"#, .completion)
        #expect(promptOnly.echoesPromptOnly && promptOnly.sampling.promptLogprobCount == 1)
        #expect(!echoed.echoesPromptOnly && !scored.echoesPromptOnly)
        #expect(throws: HTTPError.self) { try Self.parse(#"{"prompt": "hi", "max_tokens": 0}"#, .completion) }
        #expect(throws: HTTPError.self) { try Self.parse(#"{"prompt": "hi", "echo": false, "max_tokens": 0}"#, .completion) }
        #expect(throws: HTTPError.self) { try Self.parse(#"{"prompt": "hi", "n": 2, "best_of": 3}"#, .completion) }
    }
}
