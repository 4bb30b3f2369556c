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
    /// Admission control refused the request: `waitingCount` requests already wait, at or past
    /// the limit. A retry after `retryAfterSeconds` may find the queue shorter.
    case overloaded(waitingCount: Int, limit: Int, retryAfterSeconds: Int)
    /// Admission control refused the request because its SLO cannot be met: not even alone, or
    /// not behind the queue predicted ahead of it (`reason` says which, with the figures).
    case sloUnattainable(reason: String, retryAfterSeconds: Int)

    /// True for admission control's refusals: the request was shed, not found faulty.
    public var isShed: Bool { retryAfterSeconds != nil }

    /// When a shed request may be sent again; nil for every other error.
    public var retryAfterSeconds: Int? {
        switch self {
        case .overloaded(_, _, let seconds), .sloUnattainable(_, let seconds): seconds
        default: nil
        }
    }

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
        case .overloaded(let waiting, let limit, _): "\(waiting) requests are waiting (limit \(limit))"
        case .sloUnattainable(let reason, _): reason
        }
    }
}
