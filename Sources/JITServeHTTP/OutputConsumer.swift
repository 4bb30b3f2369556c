import JITServeCore
import JITServeEngine

/// Reads one request's engine events and turns them into text deltas, applying stop strings
/// (a stop found in the text cancels the request in the engine at once).
struct OutputConsumer: Sendable {
    let events: LiveEngine.Events
    let codec: any TextCodec
    let engine: LiveEngine
    let requestID: RequestID
    let stopStrings: [String]
    let promptTokenCount: Int

    struct Outcome: Sendable {
        var text: String
        var completionTokenCount: Int
        var finishReason: String
        var record: RequestRecord?
        var promptTokenCount: Int

        var usage: JSONValue {
            ResponseRenderer.usage(
                promptTokenCount: promptTokenCount, completionTokenCount: completionTokenCount, record: record)
        }
    }

    /// Consumes every event; `onDelta` gets each non-empty piece of text as it is settled.
    /// - Throws: The engine's error when the request could not be finished (e.g. shutdown), and
    ///   `CancellationError` when the consuming task was cancelled (the client went away).
    func run(onDelta: (String, Int) async throws -> Void) async throws -> Outcome {
        var assembler = TextAssembler(stopStrings: stopStrings)
        var tokenCount = 0
        var record: RequestRecord?
        var cut = false
        for try await event in events {
            switch event {
            case .token(let token):
                guard !cut else { continue }
                tokenCount += 1
                let bytes = token.text.map { Array($0.utf8) } ?? codec.bytes(of: token.tokenID)
                let delta = assembler.append(bytes)
                if !delta.isEmpty { try await onDelta(delta, tokenCount) }
                if assembler.isStopped {
                    // The rest of the response is not wanted: free its KV now. It ends as a
                    // stop, for the client and the server's goodput counters alike.
                    cut = true
                    engine.cancel(requestID, reason: .stop)
                }
            case .finished(let finished):
                record = finished
            }
        }
        if Task.isCancelled { throw CancellationError() }
        let tail = assembler.finish()
        if !tail.isEmpty { try await onDelta(tail, tokenCount) }
        var finishReason = "stop"
        if cut, var patched = record {
            // Tokens the engine produced before the stop reached it are not the client's.
            patched.timeline.tokenDeliveredAt = Array(patched.timeline.tokenDeliveredAt.prefix(tokenCount))
            record = patched
        } else if record?.timeline.finishReason == .length {
            finishReason = "length"
        } else if record?.timeline.finishReason == .cancelled {
            finishReason = "abort"
        }
        return Outcome(
            text: assembler.text, completionTokenCount: tokenCount, finishReason: finishReason, record: record,
            promptTokenCount: promptTokenCount)
    }
}
