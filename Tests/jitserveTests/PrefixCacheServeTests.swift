import Testing

@testable import jitserve

/// Prefix caching as a client of `jitserve serve` sees it: `usage.prompt_tokens_details
/// .cached_tokens` and vLLM's `/metrics` counters, with the flag on (default) and off.
@Suite struct PrefixCacheServeTests {
    func cachedTokensOfARepeatedPrompt(_ flags: [String]) async throws
        -> (prompt: Int, cached: [Int], hits: Double?, queries: Double?)
    {
        let served = try await ServedJITServe.start(["--executor", "echo"] + flags)
        let body: [String: Any] = [
            "model": "echo", "max_tokens": 4,
            "messages": [["role": "user", "content": String(repeating: "The same question, asked twice. ", count: 3)]],
        ]
        var cached: [Int] = []
        var prompt = 0
        for _ in 0..<2 {
            let (status, json) = try await served.post("/v1/chat/completions", body)
            #expect(status == 200)
            let usage = json["usage"] as? [String: Any]
            prompt = usage?["prompt_tokens"] as? Int ?? 0
            cached.append((usage?["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int ?? -1)
        }
        let hits = try await served.metric("vllm:prefix_cache_hits_total", label: "model_name")
        let queries = try await served.metric("vllm:prefix_cache_queries_total", label: "model_name")
        await served.stop()
        return (prompt, cached, hits, queries)
    }

    @Test func aRepeatedPromptIsServedFromTheCache() async throws {
        let run = try await cachedTokensOfARepeatedPrompt([])
        #expect(run.prompt > 32)
        // All whole blocks but the one holding the last prompt token.
        let expected = (run.prompt - 1) / 16 * 16
        #expect(run.cached == [0, expected])
        #expect(run.hits == Double(expected))
        #expect(run.queries == Double(2 * run.prompt))
    }

    @Test func theFlagTurnsItOff() async throws {
        let run = try await cachedTokensOfARepeatedPrompt(["--no-enable-prefix-caching"])
        #expect(run.cached == [0, 0])
        #expect(run.hits ?? 0 == 0)
    }
}
