import JITServeCore
import JITServeHTTP
import Testing

@Suite struct GenerationRequestParsingTests {
    func chat(_ json: String) throws(HTTPError) -> GenerationRequest {
        try GenerationRequest.parse(Array(json.utf8), endpoint: .chat)
    }

    func completion(_ json: String) throws(HTTPError) -> GenerationRequest {
        try GenerationRequest.parse(Array(json.utf8), endpoint: .completion)
    }

    /// The field an invalid body is blamed on.
    func blamed(_ endpoint: GenerationRequest.Endpoint, _ json: String) -> String? {
        do {
            _ = try GenerationRequest.parse(Array(json.utf8), endpoint: endpoint)
            return nil
        } catch {
            return error.param ?? "(\(error.code))"
        }
    }

    @Test func parsesAFullChatRequest() throws {
        let request = try chat("""
            {"model": "m", "messages": [{"role": "system", "content": "Be brief."},
              {"role": "user", "content": [{"type": "text", "text": "Hello, "}, {"type": "text", "text": "world"}]}],
             "max_tokens": 7, "max_completion_tokens": 9, "temperature": 0.5, "top_p": 0.9, "top_k": 40, "seed": -1,
             "stop": ["\\n\\n", "END"], "ignore_eos": true, "min_tokens": 2, "priority": 3, "n": 1,
             "stream": true, "stream_options": {"include_usage": true}, "some_future_field": {"x": 1}}
            """)
        #expect(request.model == "m")
        #expect(request.prompt == .chat([
            ChatMessage(role: .system, content: "Be brief."), ChatMessage(role: .user, content: "Hello, world"),
        ], addGenerationPrompt: true))
        #expect(request.maxTokens == 9)
        #expect(request.sampling.temperature == 0.5)
        #expect(request.sampling.topP == 0.9)
        #expect(request.sampling.topK == 40)
        #expect(request.sampling.seed == UInt64.max)
        #expect(request.sampling.stopStrings == ["\n\n", "END"])
        #expect(request.sampling.ignoreEOS)
        #expect(request.sampling.minTokens == 2)
        #expect(request.stream && request.includeUsage)
    }

    @Test func appliesOpenAIDefaults() throws {
        let request = try completion(#"{"prompt": "Hi"}"#)
        #expect(request.prompt == .text("Hi"))
        #expect(request.maxTokens == nil)
        #expect(request.sampling.temperature == 1)
        #expect(!request.stream && !request.includeUsage)
        #expect(request.slo.isEmpty)
    }

    @Test func acceptsTokenPrompts() throws {
        #expect(try completion(#"{"prompt": [1, 2, 3]}"#).prompt == .tokens([1, 2, 3]))
        #expect(try completion(#"{"prompt": [[4, 5]]}"#).prompt == .tokens([4, 5]))
        #expect(try completion(#"{"prompt": ["only one"]}"#).prompt == .text("only one"))
    }

    @Test(arguments: [
        (#"{"model": "m"}"#, "messages"),
        (#"{"messages": "hi"}"#, "messages"),
        (#"{"messages": []}"#, "messages"),
        (#"{"messages": [{"content": "x"}]}"#, "messages[0].role"),
        (#"{"messages": [{"role": "", "content": "x"}]}"#, "messages[0].role"),
        (#"{"messages": [{"role": "wizard", "content": "x"}]}"#, "messages[0].role"),
        (#"{"messages": [{"role": "user", "content": 5}]}"#, "messages[0].content"),
        (#"{"messages": [{"role": "user"}]}"#, "messages[0].content"),
        (#"{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}"#, "messages[0].content[0].type"),
        (#"{"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}"#, "max_tokens"),
        (#"{"messages": [{"role": "user", "content": "x"}], "max_tokens": "5"}"#, "max_tokens"),
        (#"{"messages": [{"role": "user", "content": "x"}], "max_tokens": 2.5}"#, "max_tokens"),
        (#"{"messages": [{"role": "user", "content": "x"}], "temperature": -0.1}"#, "temperature"),
        (#"{"messages": [{"role": "user", "content": "x"}], "temperature": 2.5}"#, "temperature"),
        (#"{"messages": [{"role": "user", "content": "x"}], "top_p": 0}"#, "top_p"),
        (#"{"messages": [{"role": "user", "content": "x"}], "top_k": -2}"#, "top_k"),
        (#"{"messages": [{"role": "user", "content": "x"}], "n": 17}"#, "n"),
        (#"{"messages": [{"role": "user", "content": "x"}], "stop": 3}"#, "stop"),
        (#"{"messages": [{"role": "user", "content": "x"}], "stop": ["a", 1]}"#, "stop[1]"),
        (#"{"messages": [{"role": "user", "content": "x"}], "stream": "yes"}"#, "stream"),
        (#"{"messages": [{"role": "user", "content": "x"}], "stream_options": {"include_usage": true}}"#, "stream_options"),
        (#"{"messages": [{"role": "user", "content": "x"}], "min_tokens": 5, "max_tokens": 2}"#, "min_tokens"),
        (#"{"messages": [{"role": "user", "content": "x"}], "model": 7}"#, "model"),
        (#"{"messages": [{"role": "user", "content": "x"}], "slo": {"ttft_ms": -5}}"#, "slo.ttft_ms"),
        (#"{"messages": [{"role": "user", "content": "x"}], "slo": {"kind": "soon"}}"#, "slo.kind"),
        (#"{"messages": [{"role": "user", "content": "x"}], "slo": "fast"}"#, "slo"),
        (#"{"messages": [{"role": "user", "content": "x"}], "logprobs": 1}"#, "logprobs"),
        (#"{"messages": [{"role": "user", "content": "x"}], "top_logprobs": 2}"#, "top_logprobs"),
        (#"{"messages": [{"role": "user", "content": "x"}], "echo": true}"#, "echo"),
        (#"[1, 2]"#, "body"),
        (#"{"messages": [{"role": "user", "content": "x"}"#, "(invalid_json)"),
    ])
    func blamesTheRightChatField(json: String, field: String) {
        #expect(blamed(.chat, json) == field)
    }

    @Test(arguments: [
        (#"{}"#, "prompt"),
        (#"{"prompt": ""}"#, "prompt"),
        (#"{"prompt": []}"#, "prompt"),
        (#"{"prompt": 5}"#, "prompt"),
        (#"{"prompt": ["a", "b"]}"#, "prompt"),
        (#"{"prompt": [1, -2]}"#, "prompt[1]"),
        (#"{"prompt": [[]]}"#, "prompt[0]"),
        (#"{"prompt": "x", "presence_penalty": 3}"#, "presence_penalty"),
        (#"{"prompt": "def f(", "suffix": "    return x"}"#, "suffix"),
        (#"{"prompt": "x", "suffix": 3}"#, "suffix"),
        (#"{"prompt": "x", "max_tokens": 0}"#, "max_tokens"),
    ])
    func blamesTheRightCompletionField(json: String, field: String) {
        #expect(blamed(.completion, json) == field)
    }

    @Test func treatsNullAsAbsent() throws {
        let request = try chat(#"{"messages": [{"role": "assistant", "content": null}, {"role": "user", "content": "x"}], "max_tokens": null, "stop": null}"#)
        #expect(request.maxTokens == nil)
        #expect(request.sampling.stopStrings.isEmpty)
        // A null or empty suffix asks for no fill-in-the-middle.
        #expect(try GenerationRequest.parse(Array(#"{"prompt": "x", "suffix": null}"#.utf8), endpoint: .completion).echo == false)
        #expect(try GenerationRequest.parse(Array(#"{"prompt": "x", "suffix": ""}"#.utf8), endpoint: .completion).echo == false)
    }
}
