import JITServeCore

extension GenerationRequest {
    /// Parses and validates a request body for `endpoint`.
    /// - Throws: `HTTPError` naming the first field at fault.
    public static func parse(_ body: [UInt8], endpoint: Endpoint) throws(HTTPError) -> GenerationRequest {
        let json = try JSONValue.parse(body)
        let reader = try FieldReader(json, path: "")
        let prompt: Prompt
        switch endpoint {
        case .chat:
            let addGenerationPrompt = try reader.bool("add_generation_prompt") ?? true
            prompt = .chat(try parseMessages(reader), addGenerationPrompt: addGenerationPrompt)
        case .completion:
            prompt = try parsePrompt(reader)
            // Fill-in-the-middle would need the model's FIM template; ignoring the suffix would
            // answer a different question than the one asked (vLLM refuses it too).
            if let suffix = try reader.string("suffix"), !suffix.isEmpty {
                throw .invalidField("suffix", reason: "fill-in-the-middle (a suffix after the completion) is not supported")
            }
        }
        var request = GenerationRequest(endpoint: endpoint, prompt: prompt)
        request.model = try reader.string("model")
        // 0 asks for the prompt alone (with echo; checked below, once echo is read).
        let maxTokens = try reader.int("max_tokens", in: 0...Int.max)
        let maxCompletionTokens = try reader.int("max_completion_tokens", in: 1...Int.max)
        request.maxTokens = maxCompletionTokens ?? maxTokens
        _ = try reader.double("presence_penalty", in: -2...2)
        _ = try reader.double("frequency_penalty", in: -2...2)
        request.sampling = try parseSampling(reader, maxTokens: request.maxTokens)
        try request.parseChoices(reader)
        if maxTokens == 0, !(endpoint == .completion && request.echo && maxCompletionTokens == nil) {
            throw .invalidField(
                "max_tokens", reason: "0 is out of range [1, ∞) (0 asks for the prompt alone: only with echo on /v1/completions)")
        }
        request.stream = try reader.bool("stream") ?? false
        if let options = reader.value("stream_options") {
            guard request.stream else {
                throw .invalidField("stream_options", reason: "stream_options is only allowed when stream is true")
            }
            let optionsReader = try FieldReader(options, path: "stream_options")
            request.includeUsage = try optionsReader.bool("include_usage") ?? false
            _ = try optionsReader.bool("continuous_usage_stats")
        }
        if let slo = reader.value("slo") { request.slo = try SLOSpec.parse(body: slo) }
        request.application = try reader.string("application").map { name throws(HTTPError) in
            try validateApplication(name, field: "application")
        }
        request.replayOutputTokens = try reader.int("replay_output_tokens", in: 1...Int.max)
        if let replay = request.replayOutputTokens, let maxTokens = request.maxTokens, replay > maxTokens {
            throw .invalidField("replay_output_tokens", reason: "\(replay) exceeds max_tokens (\(maxTokens))")
        }
        return request
    }

    /// Application labels: 1–64 characters of letters, digits, `.`, `_` and `-`.
    public static func validateApplication(_ name: String, field: String) throws(HTTPError) -> String {
        let allowed = name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x2D
        }
        guard (1...64).contains(name.utf8.count), allowed else {
            throw .invalidField(field, reason: "'\(name.prefix(80))' is not 1–64 letters, digits, '.', '_' or '-'")
        }
        return name
    }

    static func parseSampling(_ reader: FieldReader, maxTokens: Int?) throws(HTTPError) -> SamplingParameters {
        var sampling = SamplingParameters()
        sampling.temperature = try reader.double("temperature", in: 0...2) ?? 1
        sampling.topP = try reader.double("top_p", in: 0...1, excludingLower: true) ?? 1
        let topK = try reader.int("top_k", in: -1...Int(Int32.max)) ?? 0
        sampling.topK = max(0, topK)
        if let seed = try reader.int("seed") { sampling.seed = UInt64(bitPattern: Int64(seed)) }
        sampling.ignoreEOS = try reader.bool("ignore_eos") ?? false
        sampling.minTokens = try reader.int("min_tokens", in: 0...Int.max) ?? 0
        if let maxTokens, sampling.minTokens > maxTokens {
            throw .invalidField("min_tokens", reason: "\(sampling.minTokens) exceeds max_tokens (\(maxTokens))")
        }
        switch reader.value("stop") {
        case nil: break
        case .string(let s)?:
            if !s.isEmpty { sampling.stopStrings = [s] }
        case .array(let items)?:
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item, !s.isEmpty else {
                    throw .invalidField("stop[\(i)]", reason: "expected a non-empty string, got \(item.serialized)")
                }
                sampling.stopStrings.append(s)
            }
        case let v?:
            throw .invalidField("stop", reason: "expected a string or an array of strings, got \(v.typeName)")
        }
        return sampling
    }

    package static func parseMessages(_ reader: FieldReader) throws(HTTPError) -> [ChatMessage] {
        guard let value = reader.value("messages") else { throw .missingField("messages") }
        guard case .array(let items) = value else {
            throw .invalidField("messages", reason: "expected an array of messages, got \(value.typeName)")
        }
        guard !items.isEmpty else { throw .invalidField("messages", reason: "must contain at least one message") }
        var messages: [ChatMessage] = []
        for (i, item) in items.enumerated() {
            let path = "messages[\(i)]"
            let m = try FieldReader(item, path: path)
            guard let roleName = try m.string("role") else { throw .missingField("\(path).role") }
            guard let role = ChatMessage.Role(rawValue: roleName) else {
                let valid = ChatMessage.Role.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidField("\(path).role", reason: "'\(roleName)' is not one of \(valid)")
            }
            let content: String
            switch m.value("content") {
            case nil:
                // An assistant turn that only made tool calls has no content.
                guard role == .assistant else { throw .missingField("\(path).content") }
                content = ""
            case .string(let s)?:
                content = s
            case .array(let parts)?:
                content = try joinTextParts(parts, path: "\(path).content")
            case let v?:
                throw .invalidField("\(path).content", reason: "expected a string or an array of text parts, got \(v.typeName)")
            }
            messages.append(ChatMessage(role: role, content: content))
        }
        return messages
    }

    static func joinTextParts(_ parts: [JSONValue], path: String) throws(HTTPError) -> String {
        var text = ""
        for (j, part) in parts.enumerated() {
            let p = try FieldReader(part, path: "\(path)[\(j)]")
            guard let type = try p.string("type") else { throw .missingField(p.name("type")) }
            guard type == "text" else {
                throw .invalidField(p.name("type"), reason: "'\(type)' parts are not supported; only 'text'")
            }
            guard let partText = try p.string("text") else { throw .missingField(p.name("text")) }
            text += partText
        }
        return text
    }

    static func parsePrompt(_ reader: FieldReader) throws(HTTPError) -> Prompt {
        guard let value = reader.value("prompt") else { throw .missingField("prompt") }
        switch value {
        case .string(let s):
            guard !s.isEmpty else { throw .invalidField("prompt", reason: "must not be empty") }
            return .text(s)
        case .array(let items):
            guard !items.isEmpty else { throw .invalidField("prompt", reason: "must not be empty") }
            if items.allSatisfy({ if case .integer = $0 { true } else { false } }) {
                return .tokens(try tokenIDs(items, field: "prompt"))
            }
            guard items.count == 1 else {
                throw .invalidField("prompt", reason: "a batch of \(items.count) prompts is not supported; send one prompt per request")
            }
            switch items[0] {
            case .string(let s) where !s.isEmpty: return .text(s)
            case .array(let ids) where !ids.isEmpty: return .tokens(try tokenIDs(ids, field: "prompt[0]"))
            default:
                throw .invalidField("prompt[0]", reason: "expected a non-empty string or array of token IDs, got \(items[0].serialized)")
            }
        default:
            throw .invalidField("prompt", reason: "expected a string or an array of token IDs, got \(value.typeName)")
        }
    }

    package static func tokenIDs(_ items: [JSONValue], field: String) throws(HTTPError) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard case .integer(let id) = item, let id32 = Int32(exactly: id), id32 >= 0 else {
                throw .invalidField("\(field)[\(i)]", reason: "expected a non-negative token ID, got \(item.serialized)")
            }
            ids.append(id32)
        }
        return ids
    }
}
