import JITServeEngine
import JITServeWire

extension HTTPError {
    /// The error an engine refusal becomes; `promptField` and `maxTokensField` name the fields
    /// that held the prompt and the output cap.
    public init(_ error: EngineError, promptField: String, maxTokensField: String = "max_tokens") {
        switch error {
        case .promptTooLong(_, let n, let max):
            self = .promptTooLong(field: promptField, promptTokenCount: n, maxModelLength: max)
        case .promptExceedsKVCache(_, let n, let capacity):
            self = .promptTooLong(field: promptField, promptTokenCount: n, maxModelLength: capacity)
        case .outputExceedsContext(_, let n, let asked, let max):
            self = .invalidField(
                maxTokensField,
                reason: "the model's context is \(max) tokens; the prompt takes \(n), leaving \(max - n), "
                    + "but \(asked) were requested")
        case .invalidRequest(_, "promptTokenCount", _):
            self = .invalidField(promptField, reason: "encodes to no tokens")
        case .invalidRequest(_, "maxOutputTokens", let reason):
            self = .invalidField(maxTokensField, reason: reason)
        case .invalidRequest(_, _, let reason):
            self = .invalidField(promptField, reason: reason)
        case .shuttingDown:
            self = .shuttingDown
        case .overloaded(_, _, let retryAfter):
            self = .overloaded(reason: error.description, retryAfterSeconds: retryAfter)
        case .sloUnattainable(let reason, let retryAfter):
            self = .sloUnattainable(reason: reason, retryAfterSeconds: retryAfter)
        default:
            self = .engineFailure(error.description)
        }
    }
}
