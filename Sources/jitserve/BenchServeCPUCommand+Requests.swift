import JITServeCPU
import JITServeCore
import JITServeHTTP

extension BenchServeCPUCommand {
    /// Builds the benchmark's chat requests: random token IDs decoded to text, so each prompt
    /// is new text of about the asked length (as vllm bench serve's random dataset).
    struct RequestMaker: Sendable {
        let model: String
        let tokenizer: Tokenizer
        let promptTokens: Int
        let maxTokens: Int
        let temperature: Double

        func make(seed: UInt64, maxTokens: Int? = nil) -> SSEBenchClient.Request {
            chat(history: [], user: promptText(seed: seed), maxTokens: maxTokens)
        }

        /// About `promptTokens` tokens of new text: random token IDs, decoded.
        func promptText(seed: UInt64) -> String {
            var random = SplitMix64(seed: seed &+ 0x5EED)
            let vocabulary = UInt64(tokenizer.vocabularySize)
            var ids: [Int32] = []
            while ids.count < promptTokens {
                let id = Int32(100 + random.next() % (vocabulary - 100))
                if !tokenizer.isSpecial(id) { ids.append(id) }
            }
            return String(decoding: ids.flatMap { tokenizer.bytes(of: $0) }, as: UTF8.self)
        }

        /// A streamed chat request: the earlier turns, then `user`.
        func chat(history: [(user: String, assistant: String)], user: String, maxTokens: Int? = nil) -> SSEBenchClient.Request {
            var body = "{\"model\":"
            JSONValue.writeString(model, into: &body)
            body += ",\"messages\":["
            for (u, a) in history {
                body += "{\"role\":\"user\",\"content\":"
                JSONValue.writeString(u, into: &body)
                body += "},{\"role\":\"assistant\",\"content\":"
                JSONValue.writeString(a, into: &body)
                body += "},"
            }
            body += "{\"role\":\"user\",\"content\":"
            JSONValue.writeString(user, into: &body)
            body += "}],\"max_tokens\":\(maxTokens ?? self.maxTokens),\"temperature\":\(temperature)"
            body += ",\"ignore_eos\":true,\"stream\":true,\"stream_options\":{\"include_usage\":true}}"
            return SSEBenchClient.Request(path: "/v1/chat/completions", body: body)
        }
    }
}
