import Foundation
import Testing

/// `echo` with `max_tokens: 0` on `/v1/completions`: the prompt alone comes back, nothing
/// generated (how log-likelihood evaluations score a text; OpenAI's legacy API and vLLM take it).
@Suite(.serialized) struct EchoPromptOnlyServeTests {
    static let prompt = "score this sentence"

    @Test func thePromptAloneComesBackNotStreamedAndStreamed() async throws {
        let served = try await ServedJITServe.start(["--executor", "echo"])
        let (status, json) = try await served.post(
            "/v1/completions", ["prompt": Self.prompt, "echo": true, "max_tokens": 0])
        #expect(status == 200)
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        #expect(choice["text"] as? String == Self.prompt)
        #expect(choice["finish_reason"] as? String == "length")
        #expect((json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 0)

        let bytes = Array(try JSONSerialization.data(withJSONObject: [
            "prompt": Self.prompt, "echo": true, "max_tokens": 0, "stream": true,
            "stream_options": ["include_usage": true]] as [String: Any]))
        let response = try await served.client.send(
            served.url.request("POST", "/v1/completions", headers: [("Content-Type", "application/json")], body: bytes),
            timeout: .seconds(30))
        let text = String(decoding: try await response.collect().bytes, as: UTF8.self)
        let frames = text.components(separatedBy: "\n\n").compactMap { frame -> [String: Any]? in
            guard frame.hasPrefix("data: {") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(frame.dropFirst(6).utf8)) as? [String: Any]
        }
        let choices = frames.compactMap { ($0["choices"] as? [[String: Any]])?.first }
        #expect(choices.compactMap { $0["text"] as? String }.joined() == Self.prompt)
        #expect(choices.compactMap { $0["finish_reason"] as? String } == ["length"])
        #expect((frames.last?["usage"] as? [String: Any])?["completion_tokens"] as? Int == 0)
        #expect(text.hasSuffix("data: [DONE]\n\n"))
        await served.stop()
    }

    @Test func zeroTokensWithoutEchoOrOnChatIsRefusedNamingTheField() async throws {
        let served = try await ServedJITServe.start(["--executor", "echo"])
        let plain = try await served.post("/v1/completions", ["prompt": Self.prompt, "max_tokens": 0])
        #expect(plain.status == 400)
        #expect((plain.json["error"] as? [String: Any])?["param"] as? String == "max_tokens")
        let chat = try await served.post(
            "/v1/chat/completions", ["messages": [["role": "user", "content": "x"]], "max_tokens": 0])
        #expect(chat.status == 400)
        await served.stop()
    }
}
