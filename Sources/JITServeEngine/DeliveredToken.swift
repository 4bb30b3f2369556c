import JITServeCore

/// A token as the engine hands it to its client: the ID the executor made and the text it
/// settles (see `Detokenizer`).
public struct DeliveredToken: Sendable, Equatable {
    public var requestID: RequestID
    public var tokenID: Int32
    /// Text this token settles: empty while a character or a possible stop string is pending,
    /// or without a text codec (trace replay); on a request's last token, also everything held
    /// back. A request's texts joined are its whole output.
    public var text: String
    /// The token's log-probabilities, when asked for.
    public var logprobs: TokenLogprobs?
    /// On a request's first token, when asked for: each prompt token's log-probabilities given
    /// the tokens before it (nil for the first prompt token, which has none).
    public var promptLogprobs: [TokenLogprobs?]?

    public init(
        requestID: RequestID, tokenID: Int32, text: String, logprobs: TokenLogprobs? = nil,
        promptLogprobs: [TokenLogprobs?]? = nil
    ) {
        self.requestID = requestID
        self.tokenID = tokenID
        self.text = text
        self.logprobs = logprobs
        self.promptLogprobs = promptLogprobs
    }
}
