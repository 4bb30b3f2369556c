import JITServeEngine

extension ResponseRenderer {
    /// A log-probability as JSON; `-inf` (a token the model rules out) as vLLM writes it.
    static func logprobValue(_ value: Float) -> JSONValue {
        value.isFinite ? .number(Double(value)) : .number(-9999)
    }

    /// Chat's `logprobs` object: `{"content": [{token, logprob, bytes, top_logprobs}], "refusal": null}`.
    static func chatLogprobs(_ tokens: [OutputConsumer.LoggedToken], codec: any TextCodec) -> JSONValue {
        func entry(_ token: Int32, _ logprob: Float) -> JSONObject {
            let text = codec.tokenText(token)
            let raw = codec.bytes(of: token)
            return [
                "token": .string(text), "logprob": logprobValue(logprob),
                "bytes": .array((raw.isEmpty ? Array(text.utf8) : raw).map { .integer(Int($0)) }),
            ]
        }
        let content: [JSONValue] = tokens.map { token in
            var object = entry(token.tokenID, token.logprobs.logprob)
            object["top_logprobs"] = .array(token.logprobs.top.map { .object(entry($0.tokenID, $0.logprob)) })
            return .object(object)
        }
        return ["content": .array(content), "refusal": nil]
    }

    /// Completions' `logprobs` object for consecutive tokens: `tokens`, `token_logprobs`,
    /// `top_logprobs` (token text → log-probability; null where there is none, as for the
    /// first prompt token) and `text_offset` (characters into the choice's text, from `offset`).
    static func completionLogprobs(
        _ entries: [(tokenID: Int32, logprobs: TokenLogprobs?)], codec: any TextCodec, offset: inout Int
    ) -> JSONValue {
        var tokens: [JSONValue] = []
        var tokenLogprobs: [JSONValue] = []
        var top: [JSONValue] = []
        var offsets: [JSONValue] = []
        for (tokenID, logprobs) in entries {
            let text = codec.tokenText(tokenID)
            tokens.append(.string(text))
            offsets.append(.integer(offset))
            offset += text.unicodeScalars.count
            guard let logprobs else {
                tokenLogprobs.append(nil)
                top.append(nil)
                continue
            }
            tokenLogprobs.append(logprobValue(logprobs.logprob))
            var alternatives = JSONObject()
            for candidate in logprobs.top { alternatives[codec.tokenText(candidate.tokenID)] = logprobValue(candidate.logprob) }
            top.append(.object(alternatives))
        }
        return [
            "tokens": .array(tokens), "token_logprobs": .array(tokenLogprobs), "top_logprobs": .array(top),
            "text_offset": .array(offsets),
        ]
    }
}
