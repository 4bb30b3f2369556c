import Hummingbird
import JITServeCore
import JITServeEngine

extension OpenAIServer {
    /// Every endpoint, behind the error middleware.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorMiddleware(allowedMethods: Self.allowedMethods))
        router.get("/health") { _, _ in try self.health() }
        // Load balancers probe with HEAD as often as with GET.
        router.head("/health") { _, _ in try self.health() }
        router.get("/v1/models") { request, _ in
            try self.authorize(request.headers)
            return Self.json(["object": "list", "data": [self.model()]])
        }
        router.get("/v1/models/{id}") { request, context in
            try self.authorize(request.headers)
            let name = context.parameters.get("id") ?? ""
            guard name == self.configuration.servedModelName || name == self.configuration.modelRoot else {
                throw HTTPError.unknownModel(name, served: self.configuration.servedModelName)
            }
            return Self.json(self.model())
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: self.metrics.render(
                    status: self.backend?.engine.status, workflowNames: self.workflows.count))))
        }
        router.post("/tokenize") { request, _ in
            var request = request
            try self.authorize(request.headers)
            return Self.json(try self.tokenize(try await self.collect(&request)))
        }
        router.post("/detokenize") { request, _ in
            var request = request
            try self.authorize(request.headers)
            return Self.json(try self.detokenize(try await self.collect(&request)))
        }
        router.post("/v1/chat/completions") { request, _ in try await self.generate(request, endpoint: .chat) }
        router.post("/v1/completions") { request, _ in try await self.generate(request, endpoint: .completion) }
        return router
    }

    /// What each path takes (`Allow` of a 405); keep in step with the routes above.
    static func allowedMethods(_ path: String) -> String? {
        switch path {
        case "/health": "GET, HEAD"
        case "/v1/models", "/metrics": "GET"
        case "/tokenize", "/detokenize", "/v1/chat/completions", "/v1/completions": "POST"
        case _ where path.hasPrefix("/v1/models/") && !path.dropFirst("/v1/models/".count).isEmpty
            && !path.dropFirst("/v1/models/".count).contains("/"): "GET"
        default: nil
        }
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: value.serialized)))
    }

    /// 401 unless the request carries the configured key as a bearer token.
    func authorize(_ headers: HTTPFields) throws(HTTPError) {
        guard let key = configuration.apiKey else { return }
        guard let value = headers[.authorization] else {
            throw .unauthorized(reason: "missing API key: send 'Authorization: Bearer <key>'")
        }
        let prefix = "Bearer "
        guard value.hasPrefix(prefix), key.matches(value.utf8.dropFirst(prefix.utf8.count)) else {
            throw .unauthorized(reason: "incorrect API key")
        }
    }

    /// The body, at most `maxBodyBytes` (413 beyond). Collected first, so that the request body's
    /// inbound stream can still watch for the client going away (see STACK.md).
    func collect(_ request: inout Request) async throws(HTTPError) -> [UInt8] {
        do {
            let buffer = try await request.collectBody(upTo: configuration.maxBodyBytes)
            return Array(buffer.readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw .bodyTooLarge(limit: configuration.maxBodyBytes)
        } catch {
            throw .invalidField("body", reason: "could not read the request body: \(error)")
        }
    }

    func health() throws(HTTPError) -> Response {
        if isDraining { throw .shuttingDown }
        guard backend != nil else { throw .notReady }
        return Response(status: .ok)
    }

    /// The served model, as `/v1/models` lists it and `/v1/models/{id}` returns it.
    func model() -> JSONValue {
        var model: JSONObject = [
            "id": .string(configuration.servedModelName), "object": "model", "created": .integer(startedAtUnix),
            "owned_by": "jitserve", "root": .string(configuration.modelRoot), "parent": nil,
        ]
        if let backend {
            model["max_model_len"] = .integer(backend.engine.maxModelLength)
            model["jitserve"] = [
                "executor": .string(backend.executorName), "text": .string(backend.textNote),
                "tokenizer": .string(backend.codec.summary), "scheduler": backend.policyName.map(JSONValue.string) ?? .null,
            ]
        }
        model["permission"] = []
        return .object(model)
    }

    /// vLLM's `/tokenize`: `prompt` (text) or `messages` (chat template applied).
    func tokenize(_ body: [UInt8]) throws(HTTPError) -> JSONValue {
        let backend = try requireBackend()
        let reader = try FieldReader(try JSONValue.parse(body), path: "")
        try checkModel(try reader.string("model"))
        let tokens: [Int32]
        let special = backend.codec.parsesSpecialTokensInContent
        if reader.value("messages") != nil {
            let messages = try GenerationRequest.parseMessages(reader)
            let addGenerationPrompt = try reader.bool("add_generation_prompt") ?? true
            tokens = try encode(.chat(messages, addGenerationPrompt: addGenerationPrompt), codec: backend.codec)
        } else {
            guard let prompt = try reader.string("prompt") else { throw .missingField("prompt") }
            tokens = try encode(.text(prompt), codec: backend.codec)
        }
        // Says how client text was read: whether `<|im_end|>` typed in a message or prompt became
        // a control token (`--parse-special-in-content`) or stayed text (the default).
        return [
            "count": .integer(tokens.count), "max_model_len": .integer(backend.engine.maxModelLength),
            "tokens": .array(tokens.map { .integer(Int($0)) }),
            "special_tokens_in_content": .string(special ? "parsed" : "plain text"),
        ]
    }

    /// vLLM's `/detokenize`: `tokens` → `prompt`.
    func detokenize(_ body: [UInt8]) throws(HTTPError) -> JSONValue {
        let backend = try requireBackend()
        let reader = try FieldReader(try JSONValue.parse(body), path: "")
        try checkModel(try reader.string("model"))
        guard let value = reader.value("tokens") else { throw .missingField("tokens") }
        guard case .array(let items) = value else {
            throw .invalidField("tokens", reason: "expected an array of token IDs, got \(value.typeName)")
        }
        let ids = try GenerationRequest.tokenIDs(items, field: "tokens")
        try checkVocabulary(ids, field: "tokens", codec: backend.codec)
        return ["prompt": .string(backend.codec.decode(ids))]
    }

    func checkModel(_ name: String?) throws(HTTPError) {
        guard let name, name != configuration.servedModelName, name != configuration.modelRoot else { return }
        throw .unknownModel(name, served: configuration.servedModelName)
    }

    func checkVocabulary(_ ids: [Int32], field: String, codec: any TextCodec) throws(HTTPError) {
        if let i = ids.firstIndex(where: { Int($0) >= codec.vocabularySize }) {
            throw .invalidField("\(field)[\(i)]", reason: "token ID \(ids[i]) is outside the vocabulary of \(codec.vocabularySize)")
        }
    }

    /// The prompt's token IDs.
    func encode(_ prompt: GenerationRequest.Prompt, codec: any TextCodec) throws(HTTPError) -> [Int32] {
        do {
            switch prompt {
            case .text(let text): return try codec.encode(.content(text))
            case .tokens(let ids):
                try checkVocabulary(ids, field: "prompt", codec: codec)
                return ids
            case .chat(let messages, let addGenerationPrompt):
                return try codec.encode(codec.renderChat(messages, addGenerationPrompt: addGenerationPrompt))
            }
        } catch let error as HTTPError {
            throw error
        } catch {
            throw .invalidField(prompt.field, reason: "could not be tokenized: \(error)")
        }
    }
}
