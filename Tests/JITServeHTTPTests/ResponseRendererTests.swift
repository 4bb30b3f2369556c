import JITServeCore
import JITServeHTTP
import Testing

@Suite struct ResponseRendererTests {
    let chat = ResponseRenderer(endpoint: .chat, requestID: RequestID(42), created: 1_700_000_000, model: "m\"x")
    let completion = ResponseRenderer(endpoint: .completion, requestID: RequestID(7), created: 1, model: "m")

    /// The JSON of one SSE frame, checking the framing.
    func payload(_ frame: String) throws -> JSONValue {
        #expect(frame.hasPrefix("data: "))
        #expect(frame.hasSuffix("\n\n"))
        #expect(!frame.dropLast(2).contains("\n"))
        return try JSONValue.parse(String(frame.dropFirst(6).dropLast(2)))
    }

    @Test func roleGoesOutWithTheFirstTokenOnly() throws {
        let first = try payload(chat.chunk(text: "Hi", isFirst: true))
        let delta = try #require(first["choices"]).arrayFirst?["delta"]
        #expect(delta?["role"] == .string("assistant"))
        #expect(delta?["content"] == .string("Hi"))
        #expect(first["object"] == .string("chat.completion.chunk"))
        #expect(first["id"] == .string("chatcmpl-42"))
        #expect(first["model"] == .string("m\"x"))
        let next = try payload(chat.chunk(text: "\n\"quoted\"", isFirst: false))
        #expect(next["choices"]?.arrayFirst?["delta"]?["role"] == nil)
        #expect(next["choices"]?.arrayFirst?["delta"]?["content"] == .string("\n\"quoted\""))
    }

    @Test func finalChunkCarriesTheFinishReason() throws {
        let last = try payload(chat.chunk(text: "", isFirst: false, finishReason: "length"))
        #expect(last["choices"]?.arrayFirst?["finish_reason"] == .string("length"))
        #expect(last["choices"]?.arrayFirst?["delta"] == .object([:]))
        let text = try payload(completion.chunk(text: "x", isFirst: true))
        #expect(text["object"] == .string("text_completion"))
        #expect(text["choices"]?.arrayFirst?["text"] == .string("x"))
        #expect(text["choices"]?.arrayFirst?["finish_reason"] == .null)
    }

    @Test func usageChunkHasNoChoices() throws {
        let usage = ResponseRenderer.usage(promptTokenCount: 5, completionTokenCount: 3, record: nil)
        let frame = try payload(chat.usageChunk(usage))
        #expect(frame["choices"] == .array([]))
        #expect(frame["usage"]?["total_tokens"] == .integer(8))
    }

    @Test func usageReportsWhetherTheSLOWasMet() {
        var timeline = RequestTimeline(arrivedAt: .zero)
        timeline.tokenDeliveredAt = [Instant(seconds: 0.1), Instant(seconds: 0.2), Instant(seconds: 5)]
        timeline.finishedAt = Instant(seconds: 5)
        timeline.finishReason = .stop
        let request = Request(
            id: RequestID(1), arrivedAt: .zero, promptTokenCount: 4, maxOutputTokens: 8,
            slo: .latency(ttft: .milliseconds(500), tbt: .milliseconds(100)))
        let usage = ResponseRenderer.usage(
            promptTokenCount: 4, completionTokenCount: 3, record: RequestRecord(request: request, timeline: timeline))
        #expect(usage["jitserve"]?["slo_met"] == .bool(false))
        #expect(usage["jitserve"]?["good_tokens"] == .integer(2))
        #expect(usage["jitserve"]?["slo"]?["kind"] == .string("latency"))
    }

    @Test func nonStreamedResponseHasOpenAIsShape() {
        let body = completion.response(text: "done", finishReason: "stop", usage: ["total_tokens": 1])
        #expect(body["object"] == .string("text_completion"))
        #expect(body["choices"]?.arrayFirst?["text"] == .string("done"))
        let chatBody = chat.response(text: "hi", finishReason: "stop", usage: nil)
        #expect(chatBody["choices"]?.arrayFirst?["message"]?["role"] == .string("assistant"))
    }

    @Test func errorFrameIsOneSSEFrame() throws {
        let frame = try payload(ResponseRenderer.errorFrame(.shuttingDown))
        #expect(frame["error"]?["code"] == .integer(503))
    }
}

extension JSONValue {
    var arrayFirst: JSONValue? {
        if case .array(let items) = self { return items.first }
        return nil
    }
}

@Suite struct ResponseRendererChoiceTests {
    @Test func chatChoicesCarryRefusalAndTheirIndex() {
        let renderer = ResponseRenderer(endpoint: .chat, requestID: RequestID(7), created: 1, model: "m")
        let choice = renderer.choice(text: "hi", finishReason: "stop", index: 2)
        #expect(choice["index"] == .integer(2))
        #expect(choice["message"]?["refusal"] == .null && choice["message"]?["content"] == .string("hi"))
        let frame = renderer.chunk(text: "x", isFirst: false, index: 3, logprobs: ["content": []])
        #expect(frame.contains(#""index":3"#) && frame.contains(#""logprobs":{"content":[]}"#))
    }
}
