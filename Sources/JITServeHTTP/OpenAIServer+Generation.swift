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
        let sloSpec = parsed.slo.filling(from: headerSLO)
        let endsWorkflow = try sloSpec.endsWorkflow()
        let headerApplication = try headers.first { $0.name.canonicalName == Self.applicationHeader }.map {
            value throws(HTTPError) in try GenerationRequest.validateApplication(value.value, field: Self.applicationHeader)
        }
        let application = applications.resolve(
            parsed.application ?? headerApplication, fallback: endpoint == .chat ? "chat" : "completion")
        let now = engine.now()
        // A workflow this call registered is forgotten again if the call never reaches the
        // engine (bad input, 429): the engine, which ends workflows, never learns of it. A final
        // call that is refused still ends its workflow.
        var registered: WorkflowID?
        let slo = try sloSpec.resolve(default: configuration.defaultSLO) { name in
            let entry = self.workflows.start(name, now: now)
            if entry.isNew { registered = entry.id }
            return (entry.id, entry.startedAt)
        }
        let events: LiveEngine.Events
        let tokens: [Int32]
        let id = engine.makeRequestID()
        let field = parsed.prompt.field
        let maxTokensField = endpoint == .chat ? "max_completion_tokens" : "max_tokens"
        do {
            tokens = try encode(parsed.prompt, codec: backend.codec)
            // Without max_tokens, the answer may fill the context (up to the server's default cap).
            let room = max(1, engine.maxModelLength - tokens.count)
            let maxOutputTokens = parsed.maxTokens ?? min(room, configuration.defaultMaxTokens ?? room)
            if let replay = parsed.replayOutputTokens, replay > maxOutputTokens {
                throw HTTPError.invalidField(
                    "replay_output_tokens", reason: "\(replay) exceeds the output cap of \(maxOutputTokens) tokens")
            }
            let engineRequest = JITServeCore.Request(
                id: id, arrivedAt: now, promptTokenCount: tokens.count, promptTokenIDs: tokens,
                promptText: Self.promptText(parsed.prompt), maxOutputTokens: maxOutputTokens, slo: slo,
                sampling: parsed.sampling, application: application)
            // The engine's checks (empty prompt, context, KV cache, max_tokens) are the only ones;
            // made before admission control so that a request that can never run gets its 400, not
            // a 429. `submit` makes them again, with the same function.
            do {
                try engine.limits.validate(engineRequest)
                try AdmissionControl(maxWaitingRequests: configuration.maxWaitingRequests).check(
                    slo: slo, promptTokenCount: tokens.count, now: now, load: AdmissionControl.Load(engine: engine))
                events = try engine.submit(engineRequest, options: SubmissionOptions(
                    endsWorkflow: endsWorkflow, replayedOutputTokenCount: parsed.replayOutputTokens))
            } catch let error as EngineError {
                throw HTTPError(error, promptField: field, maxTokensField: maxTokensField)
            }
        } catch {
            if let registered {
                workflows.forget(registered)
            } else if endsWorkflow, let wf = slo.workflowID {
                engine.markWorkflowFinal(wf)
            }
            throw error
        }
        let renderer = ResponseRenderer(
            endpoint: endpoint, requestID: id, created: UnixTime.now(), model: configuration.servedModelName)
        let consumer = OutputConsumer(events: events, promptTokenCount: tokens.count)
        let requestBody = request.body

        guard parsed.stream else {
            // Watching the inbound side means a client that hangs up cancels its request.
            let outcome: OutputConsumer.Outcome
            do {
                outcome = try await requestBody.consumeWithCancellationOnInboundClose { _ in
                    try await consumer.run { _ in }
                }
            } catch let error as EngineError {
                throw HTTPError(error, promptField: field, maxTokensField: maxTokensField)
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
                        let outcome = try await consumer.run { delta in
                            try await writer.write(ByteBuffer(string: renderer.chunk(text: delta, isFirst: first)))
                            first = false
                        }
                        try await writer.write(ByteBuffer(string: renderer.chunk(
                            text: "", isFirst: first, finishReason: outcome.finishReason)))
                        if includeUsage { try await writer.write(ByteBuffer(string: renderer.usageChunk(outcome.usage))) }
                    } catch let error as EngineError {
                        try await writer.write(ByteBuffer(string: ResponseRenderer.errorFrame(
                            HTTPError(error, promptField: field, maxTokensField: maxTokensField))))
                    }
                    try await writer.write(ByteBuffer(string: ResponseRenderer.done))
                }
                try await writer.finish(nil)
            })
    }

    /// Header naming the request's application (as the body's `application`).
    static let applicationHeader = "x-application"

    static func promptText(_ prompt: GenerationRequest.Prompt) -> String? {
        switch prompt {
        case .text(let text): text
        case .tokens: nil
        case .chat(let messages, _): messages.map(\.content).joined(separator: "\n")
        }
    }
}
