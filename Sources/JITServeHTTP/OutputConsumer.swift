import JITServeCore
import JITServeEngine

/// Reads one request's engine events and hands its text deltas to the response writer.
///
/// The text, and where it stops, are the engine's (`Detokenizer`): a stop string has already
/// ended the request there, so the record it finishes with — finish reason, token count,
/// delivery times — is exactly what the client was sent, and so is what metrics count.
struct OutputConsumer: Sendable {
    let events: LiveEngine.Events
    let promptTokenCount: Int

    struct Outcome: Sendable {
        var text: String
        var record: RequestRecord
        var promptTokenCount: Int
        /// The analyzer's estimate of a compound call's workflow when it was admitted.
        var workflowEstimate: WorkflowEstimate?

        /// OpenAI's `finish_reason`: `stop`, `length`, or vLLM's `abort` for a cancelled request.
        var finishReason: String {
            switch record.timeline.finishReason {
            case .length: "length"
            case .cancelled, .rejected: "abort"
            case .stop, nil: "stop"
            }
        }

        var usage: JSONValue {
            ResponseRenderer.usage(
                promptTokenCount: promptTokenCount, completionTokenCount: record.timeline.outputTokenCount,
                record: record, workflowEstimate: workflowEstimate)
        }
    }

    /// Consumes every event; `onDelta` gets each non-empty piece of text as it is settled.
    /// - Throws: The engine's error when the request could not be finished (e.g. shutdown), and
    ///   `CancellationError` when the consuming task was cancelled (the client went away).
    func run(onDelta: (String) async throws -> Void) async throws -> Outcome {
        var text = ""
        var record: RequestRecord?
        var estimate: WorkflowEstimate?
        for try await event in events {
            switch event {
            case .token(let token):
                guard !token.text.isEmpty else { continue }
                text += token.text
                try await onDelta(token.text)
            case .finished(let finished):
                record = finished
            case .workflowEstimate(let e):
                estimate = e
            }
        }
        guard !Task.isCancelled, let record else { throw CancellationError() }
        return Outcome(text: text, record: record, promptTokenCount: promptTokenCount, workflowEstimate: estimate)
    }
}
