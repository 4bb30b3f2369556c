import JITServeCore
import JITServeEngine

/// Follows one request's engine events and says what each adds to the response: settled
/// text, and the log-probabilities of the tokens behind it.
///
/// The text, and where it stops, are the engine's (`Detokenizer`): a stop string has already
/// ended the request there, so the record it finishes with — finish reason, token count,
/// delivery times — is exactly what the client was sent, and so is what metrics count.
struct OutputConsumer: Sendable {
    /// A token with the log-probabilities the request asked for.
    struct LoggedToken: Sendable {
        var tokenID: Int32
        var logprobs: TokenLogprobs
    }

    /// What one event adds to a streamed response.
    struct Delta: Sendable {
        var text: String
        /// Tokens whose text is (part of) `text`, or held back before it.
        var logprobs: [LoggedToken]
    }

    struct Outcome: Sendable {
        var text: String
        var record: RequestRecord
        var promptTokenCount: Int
        /// Every output token's log-probabilities, when asked for.
        var logprobs: [LoggedToken]
        /// Each prompt token's, when asked for (completions' `echo`).
        var promptLogprobs: [TokenLogprobs?]?
        /// The analyzer's estimate of a compound call's workflow when it was admitted.
        var workflowEstimate: WorkflowEstimate?
        /// False for a prompt-only answer (`OutputConsumer.keepsOutput`).
        var keptOutput = true

        /// Tokens the client gets: none for a prompt-only answer.
        var completionTokenCount: Int { keptOutput ? record.timeline.outputTokenCount : 0 }

        /// OpenAI's `finish_reason`: `stop`, `length`, or vLLM's `abort` for a cancelled request.
        /// A prompt-only answer stopped at its cap of 0 tokens: `length`.
        var finishReason: String {
            guard keptOutput else { return "length" }
            return switch record.timeline.finishReason {
            case .length: "length"
            case .cancelled, .rejected, .shed: "abort"
            case .stop, nil: "stop"
            }
        }

        var usage: JSONValue {
            ResponseRenderer.usage(
                promptTokenCount: promptTokenCount, completionTokenCount: completionTokenCount,
                record: record, workflowEstimate: workflowEstimate)
        }
    }

    let promptTokenCount: Int
    /// False for a prompt-only answer (completions' `echo` with `max_tokens: 0`): the one token
    /// the engine made while it scored the prompt is dropped, as vLLM drops it; the prompt's
    /// log-probabilities stay.
    let keepsOutput: Bool
    private(set) var text = ""
    private(set) var record: RequestRecord?
    private var logged: [LoggedToken] = []
    private var unsent: [LoggedToken] = []
    private(set) var promptLogprobs: [TokenLogprobs?]?
    private(set) var workflowEstimate: WorkflowEstimate?

    init(promptTokenCount: Int, keepsOutput: Bool = true) {
        self.promptTokenCount = promptTokenCount
        self.keepsOutput = keepsOutput
    }

    /// Takes one event; returns the delta to stream when it settles text.
    mutating func consume(_ event: LiveEngine.Event) -> Delta? {
        switch event {
        case .token(let token):
            if let prompt = token.promptLogprobs { promptLogprobs = prompt }
            guard keepsOutput else { return nil }
            if let logprobs = token.logprobs {
                let entry = LoggedToken(tokenID: token.tokenID, logprobs: logprobs)
                logged.append(entry)
                unsent.append(entry)
            }
            guard !token.text.isEmpty else { return nil }
            text += token.text
            defer { unsent = [] }
            return Delta(text: token.text, logprobs: unsent)
        case .finished(let finished):
            record = finished
            return nil
        case .workflowEstimate(let estimate):
            workflowEstimate = estimate
            return nil
        }
    }

    /// Log-probabilities of tokens whose text never settled into a delta (they go out with
    /// the final chunk).
    mutating func takeUnsentLogprobs() -> [LoggedToken] {
        defer { unsent = [] }
        return unsent
    }

    /// The finished request.
    /// - Throws: `CancellationError` when the stream ended without a record (client gone).
    func outcome() throws -> Outcome {
        guard !Task.isCancelled, let record else { throw CancellationError() }
        return Outcome(
            text: text, record: record, promptTokenCount: promptTokenCount, logprobs: logged,
            promptLogprobs: promptLogprobs, workflowEstimate: workflowEstimate, keptOutput: keepsOutput)
    }
}
