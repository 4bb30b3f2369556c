import Hummingbird
import JITServeCore
import JITServeEngine

extension OpenAIServer {
    /// `POST /v1/chat/completions` and `POST /v1/completions`.
    func generate(_ request: Request, endpoint: GenerationRequest.Endpoint) async throws -> Response {
        var request = request
        try authorize(request.headers)
        let body = try await collect(&request)
        let parsed = try GenerationRequest.parse(body, endpoint: endpoint)
        let backend = try requireBackend()
        try checkModel(parsed.model)
        let engine = backend.engine
        let headers = request.headers
        let headerSLO = try SLOSpec.parse(headers: { name in headers.first { $0.name.canonicalName == name }?.value })
        let now = engine.now()
        let slo = try parsed.slo.filling(from: headerSLO).resolve(default: configuration.defaultSLO) { name in
            self.workflows.start(name, now: now)
        }
        let tokens = try encode(parsed.prompt, codec: backend.codec)
        let field = parsed.prompt.field
        guard !tokens.isEmpty else { throw HTTPError.invalidField(field, reason: "encodes to no tokens") }
        guard tokens.count < engine.maxModelLength else {
            throw HTTPError.promptTooLong(field: field, promptTokenCount: tokens.count, maxModelLength: engine.maxModelLength)
        }
        let room = engine.maxModelLength - tokens.count
        if let asked = parsed.maxTokens, asked > room {
            throw HTTPError.invalidField(
                endpoint == .chat ? "max_completion_tokens" : "max_tokens",
                reason: "the model's context is \(engine.maxModelLength) tokens; the prompt takes \(tokens.count), "
                    + "leaving \(room), but \(asked) were requested")
        }
        try AdmissionControl(maxWaitingRequests: configuration.maxWaitingRequests).check(
            slo: slo, promptTokenCount: tokens.count, now: now, load: AdmissionControl.Load(engine: engine))

        let id = engine.makeRequestID()
        let engineRequest = JITServeCore.Request(
            id: id, arrivedAt: now, promptTokenCount: tokens.count, promptTokenIDs: tokens,
            promptText: Self.promptText(parsed.prompt),
            maxOutputTokens: parsed.maxTokens ?? min(room, configuration.defaultMaxTokens ?? room), slo: slo,
            sampling: parsed.sampling, priority: parsed.priority, application: endpoint == .chat ? "chat" : "completion")
        let events: LiveEngine.Events
        do {
            events = try engine.submit(engineRequest)
        } catch {
            throw HTTPError(error, promptField: field)
        }
        let renderer = ResponseRenderer(
            endpoint: endpoint, requestID: id, created: UnixTime.now(), model: configuration.servedModelName)
        let consumer = OutputConsumer(
            events: events, codec: backend.codec, engine: engine, requestID: id,
            stopStrings: parsed.sampling.stopStrings, promptTokenCount: tokens.count)
        let requestBody = request.body

        guard parsed.stream else {
            // Watching the inbound side means a client that hangs up cancels its request.
            let outcome: OutputConsumer.Outcome
            do {
                outcome = try await requestBody.consumeWithCancellationOnInboundClose { _ in
                    try await consumer.run { _, _ in }
                }
            } catch let error as EngineError {
                throw HTTPError(error, promptField: field)
            }
            var response = Self.json(renderer.response(
                text: outcome.text, finishReason: outcome.finishReason, usage: outcome.usage))
            // Watching the inbound side consumes the connection: tell the client not to reuse it.
            response.headers[.connection] = "close"
            return response
        }

        let includeUsage = parsed.includeUsage
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .connection: "close"],
            body: ResponseBody { writer in
                try await requestBody.consumeWithCancellationOnInboundClose { _ in
                    var first = true
                    do {
                        let outcome = try await consumer.run { delta, _ in
                            try await writer.write(ByteBuffer(string: renderer.chunk(text: delta, isFirst: first)))
                            first = false
                        }
                        try await writer.write(ByteBuffer(string: renderer.chunk(
                            text: "", isFirst: first, finishReason: outcome.finishReason)))
                        if includeUsage { try await writer.write(ByteBuffer(string: renderer.usageChunk(outcome.usage))) }
                    } catch let error as EngineError {
                        try await writer.write(ByteBuffer(string: ResponseRenderer.errorFrame(HTTPError(error, promptField: field))))
                    }
                    try await writer.write(ByteBuffer(string: ResponseRenderer.done))
                }
                try await writer.finish(nil)
            })
    }

    static func promptText(_ prompt: GenerationRequest.Prompt) -> String? {
        switch prompt {
        case .text(let text): text
        case .tokens: nil
        case .chat(let messages, _): messages.map(\.content).joined(separator: "\n")
        }
    }
}
