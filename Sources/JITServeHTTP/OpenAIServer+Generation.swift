import Hummingbird
import JITServeCore
import JITServeEngine

extension OpenAIServer {
    /// One answer of a generation request: its engine request and how it is read.
    struct Choice: Sendable {
        var index: Int
        var id: JITServeCore.RequestID
        var events: LiveEngine.Events
    }

    /// What every choice of one response shares.
    struct GenerationContext: Sendable {
        var parsed: GenerationRequest
        var renderer: ResponseRenderer
        var codec: any TextCodec
        var promptTokens: [Int32]
        /// Completions' `echo`: the prompt's text, put before each answer.
        var echoText: String?
        var promptField: String
        var maxTokensField: String
    }

    /// `POST /v1/chat/completions` and `POST /v1/completions`.
    func generate(_ request: Request, endpoint: GenerationRequest.Endpoint) async throws -> Response {
        var request = request
        try authorize(request.headers)
        let body = try await collect(&request)
        let parsed = try GenerationRequest.parse(body, endpoint: endpoint)
        try parsed.check(configuration.requestLimits)
        let backend = try requireBackend()
        try checkModel(parsed.model)
        if parsed.sampling.logprobCount != nil, !backend.providesLogprobs {
            throw HTTPError.invalidField(
                "logprobs", reason: "the \(backend.executorName) executor has no model, so no log-probabilities; serve with --executor cpu")
        }
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
        // A workflow this call registered is forgotten again if bad input stops the call before
        // the engine: the engine, which ends workflows, never learns of it. A call the engine's
        // limits or admission control refuse is reported to the engine instead, which ends its
        // workflow (at once if the call was final, else when it goes idle). A final call that
        // is refused still ends its workflow.
        var registered: WorkflowID?
        let slo = try sloSpec.resolve(default: configuration.defaultSLO) { name in
            let entry = self.workflows.start(name, now: now)
            if entry.isNew { registered = entry.id }
            return (entry.id, entry.startedAt)
        }
        let field = parsed.prompt.field
        let maxTokensField = endpoint == .chat ? "max_completion_tokens" : "max_tokens"
        let tokens: [Int32]
        // Each of the n answers is its own engine request. The engine's checks (empty prompt,
        // context, KV cache, max_tokens) are the only ones; made before admission control so
        // that a request that can never run gets its 400, not a 429.
        var choices: [Choice] = []
        // The engine was told that this workflow call was refused (and so ends the workflow).
        var isLostCallNoted = false
        do {
            tokens = try encode(parsed.prompt, codec: backend.codec)
            // Without max_tokens, the answer may fill the context (up to the server's default cap).
            let room = max(1, engine.maxModelLength - tokens.count)
            // The prompt alone (echo, max_tokens 0) still takes one step, which computes the
            // prompt's log-probabilities; its token is dropped (as vLLM does).
            let maxOutputTokens = parsed.echoesPromptOnly ? 1 : parsed.maxTokens ?? min(room, configuration.defaultMaxTokens ?? room)
            if let replay = parsed.replayOutputTokens, replay > maxOutputTokens {
                throw HTTPError.invalidField(
                    "replay_output_tokens", reason: "\(replay) exceeds the output cap of \(maxOutputTokens) tokens")
            }
            do {
                for index in 0..<parsed.choiceCount {
                    var sampling = parsed.sampling
                    if let seed = sampling.seed { sampling.seed = seed &+ UInt64(index) }
                    // The prompt's log-probabilities are the same for every answer: computed once
                    // (a stream sends each choice's echo as soon as that choice starts, so there
                    // every choice computes them).
                    if index > 0, !parsed.stream { sampling.promptLogprobCount = nil }
                    let id = engine.makeRequestID()
                    let engineRequest = JITServeCore.Request(
                        id: id, arrivedAt: now, promptTokenCount: tokens.count, promptTokenIDs: tokens,
                        promptText: Self.promptText(parsed.prompt), maxOutputTokens: maxOutputTokens, slo: slo,
                        sampling: sampling, application: application)
                    do {
                        try engine.limits.validate(engineRequest)
                        if let refusal = admissionRefusal(slo: slo, promptTokenCount: tokens.count, now: now, engine: engine) {
                            throw refusal
                        }
                    } catch {
                        // The workflow (if any) goes on without this call: the engine must
                        // not learn its shape as the workflow's whole.
                        engine.noteLostCall(engineRequest, endsWorkflow: endsWorkflow)
                        isLostCallNoted = slo.workflowID != nil
                        throw error
                    }
                    let events = try engine.submit(engineRequest, options: SubmissionOptions(
                        endsWorkflow: endsWorkflow, replayedOutputTokenCount: parsed.replayOutputTokens))
                    choices.append(Choice(index: index, id: id, events: events))
                }
            } catch let error as EngineError {
                throw HTTPError(error, promptField: field, maxTokensField: maxTokensField)
            }
        } catch {
            for choice in choices { engine.cancel(choice.id) }
            // A refused call the engine was told of is ended there (and its name forgotten).
            if !isLostCallNoted, choices.isEmpty, let registered {
                workflows.forget(registered)
            } else if !isLostCallNoted, endsWorkflow, let workflow = slo.workflowID {
                engine.markWorkflowFinal(workflow)
            }
            throw error
        }
        let context = GenerationContext(
            parsed: parsed,
            renderer: ResponseRenderer(
                endpoint: endpoint, requestID: choices[0].id, created: UnixTime.now(), model: configuration.servedModelName),
            codec: backend.codec, promptTokens: tokens, echoText: parsed.echo ? Self.echoText(parsed.prompt, codec: backend.codec) : nil,
            promptField: field, maxTokensField: maxTokensField)
        let requestBody = request.body
        let submitted = choices

        guard parsed.stream else {
            // Watching the inbound side means a client that hangs up cancels its request.
            let outcomes: [OutputConsumer.Outcome]
            do {
                outcomes = try await requestBody.consumeWithCancellationOnInboundClose { _ in
                    try await Self.collectOutcomes(
                        submitted, promptTokenCount: tokens.count, keepsOutput: !parsed.echoesPromptOnly)
                }
            } catch let error as EngineError {
                throw HTTPError(error, promptField: field, maxTokensField: maxTokensField)
            }
            var response = Self.json(Self.response(outcomes, context: context))
            // Watching the inbound side consumes the connection: tell the client not to reuse it.
            response.headers[.connection] = "close"
            return response
        }

        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .connection: "close"],
            body: ResponseBody { writer in
                try await requestBody.consumeWithCancellationOnInboundClose { _ in
                    try await Self.stream(submitted, context: context) { frame in
                        try await writer.write(ByteBuffer(string: frame))
                    }
                }
                try await writer.finish(nil)
            })
    }

    /// The engine's admission control's refusal of a request arriving at `now`, or nil when it
    /// is admitted (or the engine sheds nothing): the rule the simulator applies at each
    /// simulated arrival, fed the live engine's published load and the server's departure rate.
    func admissionRefusal(slo: SLO, promptTokenCount: Int, now: Instant, engine: LiveEngine) -> EngineError? {
        guard let admission = engine.configuration.admission else { return nil }
        let load = AdmissionControl.Load(engine: engine, departuresPerSecond: metrics.departures.perSecond(at: now))
        do {
            try admission.check(slo: slo, promptTokenCount: promptTokenCount, now: now, load: load)
            return nil
        } catch {
            return error
        }
    }

    /// Header naming the request's application (as the body's `application`).
    static let applicationHeader = "x-application"

    /// Every choice's outcome, read concurrently.
    static func collectOutcomes(
        _ choices: [Choice], promptTokenCount: Int, keepsOutput: Bool = true
    ) async throws -> [OutputConsumer.Outcome] {
        try await withThrowingTaskGroup(of: (Int, OutputConsumer.Outcome).self) { group in
            for choice in choices {
                group.addTask {
                    var consumer = OutputConsumer(promptTokenCount: promptTokenCount, keepsOutput: keepsOutput)
                    for try await event in choice.events { _ = consumer.consume(event) }
                    return (choice.index, try consumer.outcome())
                }
            }
            var outcomes = [OutputConsumer.Outcome?](repeating: nil, count: choices.count)
            for try await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes.map { $0! }
        }
    }

    /// The non-streamed body: one choice per outcome, usage summed over them (the prompt once).
    static func response(_ outcomes: [OutputConsumer.Outcome], context: GenerationContext) -> JSONValue {
        let renderer = context.renderer
        var choices: [JSONValue] = []
        for (index, outcome) in outcomes.enumerated() {
            var text = outcome.text
            var logprobs: JSONValue = nil
            if context.parsed.sampling.logprobCount != nil {
                switch renderer.endpoint {
                case .chat:
                    logprobs = ResponseRenderer.chatLogprobs(outcome.logprobs, codec: context.codec)
                case .completion:
                    var entries = echoedPromptEntries(context, promptLogprobs: outcomes[0].promptLogprobs)
                    entries += outcome.logprobs.map { ($0.tokenID, $0.logprobs) }
                    var offset = 0
                    logprobs = ResponseRenderer.completionLogprobs(entries, codec: context.codec, offset: &offset)
                }
            }
            if let echo = context.echoText { text = echo + text }
            choices.append(renderer.choice(text: text, finishReason: outcome.finishReason, index: index, logprobs: logprobs))
        }
        let completionTokens = outcomes.reduce(0) { $0 + $1.completionTokenCount }
        let usage = ResponseRenderer.usage(
            promptTokenCount: context.promptTokens.count, completionTokenCount: completionTokens, record: outcomes[0].record,
            workflowEstimate: outcomes[0].workflowEstimate)
        return renderer.response(choices: choices, usage: usage)
    }

    /// The prompt's tokens with their log-probabilities, for `echo` (the first has none).
    static func echoedPromptEntries(
        _ context: GenerationContext, promptLogprobs: [TokenLogprobs?]?
    ) -> [(tokenID: Int32, logprobs: TokenLogprobs?)] {
        guard context.echoText != nil else { return [] }
        return context.promptTokens.enumerated().map { position, token in
            (token, promptLogprobs.flatMap { $0.indices.contains(position) ? $0[position] : nil })
        }
    }

    static func promptText(_ prompt: GenerationRequest.Prompt) -> String? {
        switch prompt {
        case .text(let text): text
        case .tokens: nil
        case .chat(let messages, _): messages.map(\.content).joined(separator: "\n")
        }
    }

    /// What `echo` returns before the answer: the prompt as sent, or its tokens' text.
    static func echoText(_ prompt: GenerationRequest.Prompt, codec: any TextCodec) -> String {
        switch prompt {
        case .text(let text): text
        case .tokens(let ids): codec.decode(ids)
        case .chat: ""
        }
    }
}
