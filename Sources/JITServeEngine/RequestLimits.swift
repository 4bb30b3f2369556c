import JITServeCore

/// What an engine can serve, and the one check every request passes before it is queued —
/// by `EngineCore.add`, and by `LiveEngine.submit` on the caller's thread so that a server can
/// answer at once. Callers map its `EngineError` to their own terms (HTTP: `HTTPError`).
public struct RequestLimits: Sendable, Equatable {
    /// Longest sequence (prompt + output) the model accepts.
    public var maxModelLength: Int
    /// Tokens the whole KV cache holds.
    public var kvCapacityTokens: Int
    /// See `EngineConfiguration.rejectsOutputBeyondContext`.
    public var rejectsOutputBeyondContext: Bool

    public init(maxModelLength: Int, kvCapacityTokens: Int, rejectsOutputBeyondContext: Bool = false) {
        self.maxModelLength = maxModelLength
        self.kvCapacityTokens = kvCapacityTokens
        self.rejectsOutputBeyondContext = rejectsOutputBeyondContext
    }

    /// Refuses a request that can never run: no prompt or output room, token IDs that disagree
    /// with the count, a prompt past the model's context or larger than the whole KV cache, and
    /// (when asked) an output cap the context cannot hold.
    public func validate(_ request: Request) throws(EngineError) {
        guard request.promptTokenCount > 0 else {
            throw .invalidRequest(request.id, field: "promptTokenCount", reason: "must be at least 1")
        }
        guard request.maxOutputTokens > 0 else {
            throw .invalidRequest(request.id, field: "maxOutputTokens", reason: "must be at least 1")
        }
        if let ids = request.promptTokenIDs, ids.count != request.promptTokenCount {
            throw .invalidRequest(request.id, field: "promptTokenIDs", reason: "count differs from promptTokenCount")
        }
        guard request.promptTokenCount < maxModelLength else {
            throw .promptTooLong(request.id, promptTokenCount: request.promptTokenCount, maxModelLength: maxModelLength)
        }
        guard request.promptTokenCount + 1 <= kvCapacityTokens else {
            throw .promptExceedsKVCache(request.id, promptTokenCount: request.promptTokenCount, capacityTokens: kvCapacityTokens)
        }
        if rejectsOutputBeyondContext, request.maxOutputTokens > maxModelLength - request.promptTokenCount {
            throw .outputExceedsContext(
                request.id, promptTokenCount: request.promptTokenCount, maxOutputTokens: request.maxOutputTokens,
                maxModelLength: maxModelLength)
        }
    }
}
