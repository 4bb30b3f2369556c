/// Caps on one generation request that the body size and the model's context do not bound
/// tightly enough: each list a client controls is walked per generated token (stop strings) or
/// rendered into the prompt (messages), so an unbounded one is a cheap way to tie up a server.
/// Each is answered with a 400 naming the field (`GenerationRequest.check`).
public struct RequestSizeLimits: Sendable, Equatable {
    /// Messages in one chat request.
    public var maxMessages: Int
    /// Entries of `stop`.
    public var maxStopStrings: Int
    /// UTF-8 bytes of one stop string.
    public var maxStopStringBytes: Int

    /// Defaults far above what chat clients and eval harnesses send (OpenAI accepts 4 stop
    /// strings; lm-evaluation-harness sends a handful).
    public init(maxMessages: Int = 2048, maxStopStrings: Int = 16, maxStopStringBytes: Int = 1024) {
        self.maxMessages = maxMessages
        self.maxStopStrings = maxStopStrings
        self.maxStopStringBytes = maxStopStringBytes
    }
}
