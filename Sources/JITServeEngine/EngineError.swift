import JITServeCore

/// Errors of the engine module.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The prompt (plus at least one output token) cannot fit the model's context.
    case promptTooLong(RequestID, promptTokenCount: Int, maxModelLength: Int)
    /// The prompt cannot fit the whole KV cache even with every other request preempted.
    case promptExceedsKVCache(RequestID, promptTokenCount: Int, capacityTokens: Int)
    /// The prompt plus the output cap exceeds the model's context (when the engine refuses that).
    case outputExceedsContext(RequestID, promptTokenCount: Int, maxOutputTokens: Int, maxModelLength: Int)
    case duplicateRequest(RequestID)
    case invalidRequest(RequestID, field: String, reason: String)
    case outOfBlocks(RequestID, needed: Int, free: Int)
    /// The executor failed an iteration.
    case executorFailed(String)
    /// The live engine is shutting down: it takes no new requests, and ends the ones still
    /// running when the grace period runs out.
    case shuttingDown

    public var description: String {
        switch self {
        case .promptTooLong(let id, let n, let max):
            "\(id): prompt of \(n) tokens leaves no room to generate within the model's context of \(max) tokens"
        case .promptExceedsKVCache(let id, let n, let cap):
            "\(id): prompt of \(n) tokens exceeds the KV cache capacity of \(cap) tokens"
        case .outputExceedsContext(let id, let n, let asked, let max):
            "\(id): the model's context is \(max) tokens; the prompt takes \(n), leaving \(max - n), "
                + "but \(asked) output tokens were requested"
        case .duplicateRequest(let id): "\(id) was already added"
        case .invalidRequest(let id, let field, let reason): "\(id): invalid \(field): \(reason)"
        case .outOfBlocks(let id, let needed, let free): "\(id): needs \(needed) KV blocks, \(free) free"
        case .executorFailed(let message): "executor failed: \(message)"
        case .shuttingDown: "the engine is shutting down"
        }
    }
}
