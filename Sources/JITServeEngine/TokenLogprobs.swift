import JITServeCore

/// A token's log-probability under the model (natural log, before temperature, top-k or top-p
/// change the distribution, as vLLM reports it) and the most likely tokens at that position.
public struct TokenLogprobs: Sendable, Equatable {
    public struct Candidate: Sendable, Equatable {
        public var tokenID: Int32
        public var logprob: Float

        public init(tokenID: Int32, logprob: Float) {
            self.tokenID = tokenID
            self.logprob = logprob
        }
    }

    public var logprob: Float
    /// Most likely first; as many as asked for.
    public var top: [Candidate]

    public init(logprob: Float, top: [Candidate]) {
        self.logprob = logprob
        self.top = top
    }
}

/// Log-probabilities of consecutive prompt tokens of one request: `entries[i]` belongs to the
/// token at `firstPosition + i`, given every token before it.
public struct PromptLogprobs: Sendable {
    public var requestID: RequestID
    public var firstPosition: Int
    public var entries: [TokenLogprobs]

    public init(requestID: RequestID, firstPosition: Int, entries: [TokenLogprobs]) {
        self.requestID = requestID
        self.firstPosition = firstPosition
        self.entries = entries
    }
}
