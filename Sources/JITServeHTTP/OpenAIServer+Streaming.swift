import JITServeCore
import JITServeEngine

extension OpenAIServer {
    /// Writes a streamed response: each choice's frames as its tokens settle (with their
    /// log-probabilities when asked for, and the echoed prompt first), a final frame per choice
    /// with its finish reason, the usage frame when asked for, then `[DONE]`. An engine error
    /// after the 200 went out becomes an error frame.
    static func stream(
        _ choices: [Choice], context: GenerationContext, write: (String) async throws -> Void
    ) async throws {
        let renderer = context.renderer
        let wantsLogprobs = context.parsed.sampling.logprobCount != nil
        var consumers = choices.map { _ in
            OutputConsumer(promptTokenCount: context.promptTokens.count, keepsOutput: !context.parsed.echoesPromptOnly)
        }
        var isFirst = [Bool](repeating: true, count: choices.count)
        var echoPending = [Bool](repeating: context.echoText != nil, count: choices.count)
        var offsets = [Int](repeating: 0, count: choices.count)

        func logprobs(_ index: Int, _ tokens: [OutputConsumer.LoggedToken]) -> JSONValue? {
            guard wantsLogprobs else { return nil }
            switch renderer.endpoint {
            case .chat: return ResponseRenderer.chatLogprobs(tokens, codec: context.codec)
            case .completion:
                return ResponseRenderer.completionLogprobs(
                    tokens.map { ($0.tokenID, $0.logprobs) }, codec: context.codec, offset: &offsets[index])
            }
        }
        func handle(_ index: Int, _ event: LiveEngine.Event) async throws {
            let delta = consumers[index].consume(event)
            if echoPending[index], let echo = context.echoText {
                echoPending[index] = false
                var prompt: JSONValue?
                if wantsLogprobs {
                    prompt = ResponseRenderer.completionLogprobs(
                        echoedPromptEntries(context, promptLogprobs: consumers[index].promptLogprobs),
                        codec: context.codec, offset: &offsets[index])
                }
                try await write(renderer.chunk(text: echo, isFirst: true, index: index, logprobs: prompt))
                isFirst[index] = false
            }
            if let delta {
                try await write(renderer.chunk(
                    text: delta.text, isFirst: isFirst[index], index: index, logprobs: logprobs(index, delta.logprobs)))
                isFirst[index] = false
            }
            if case .finished = event {
                let outcome = try consumers[index].outcome()
                let unsent = consumers[index].takeUnsentLogprobs()
                try await write(renderer.chunk(
                    text: "", isFirst: isFirst[index], finishReason: outcome.finishReason, index: index,
                    logprobs: unsent.isEmpty ? nil : logprobs(index, unsent)))
            }
        }

        do {
            if choices.count == 1 {
                for try await event in choices[0].events { try await handle(0, event) }
            } else {
                for try await (index, event) in merged(choices) { try await handle(index, event) }
            }
            if context.parsed.includeUsage {
                let outcomes = try consumers.map { try $0.outcome() }
                let usage = ResponseRenderer.usage(
                    promptTokenCount: context.promptTokens.count,
                    completionTokenCount: outcomes.reduce(0) { $0 + $1.completionTokenCount },
                    record: outcomes[0].record, workflowEstimate: outcomes[0].workflowEstimate)
                try await write(renderer.usageChunk(usage))
            }
        } catch let error as EngineError {
            try await write(ResponseRenderer.errorFrame(
                HTTPError(error, promptField: context.promptField, maxTokensField: context.maxTokensField)))
        }
        try await write(ResponseRenderer.done)
    }

    /// The events of several choices as one stream, each tagged with its choice's index.
    /// Ending the merged stream early (the client went away) cancels every choice.
    static func merged(_ choices: [Choice]) -> AsyncThrowingStream<(Int, LiveEngine.Event), any Error> {
        let (stream, continuation) = AsyncThrowingStream<(Int, LiveEngine.Event), any Error>.makeStream()
        let forwarder = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for choice in choices {
                        group.addTask {
                            for try await event in choice.events { continuation.yield((choice.index, event)) }
                        }
                    }
                    try await group.waitForAll()
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { forwarder.cancel() }
        }
        return stream
    }
}
