import JITServeCore

extension GenerationRequest {
    /// The largest `n`: each answer is a whole request through the engine.
    public static let maxChoiceCount = 16
    /// The most alternatives per token (`top_logprobs`, completions' `logprobs`), as OpenAI.
    public static let maxTopLogprobs = 20

    /// `n`, `best_of`, `logprobs`, `top_logprobs` and `echo`, in the shapes each endpoint takes:
    /// chat has `logprobs: bool` with `top_logprobs: 0…20`; completions have `logprobs: 0…20`
    /// (alternatives per token) and `echo`.
    mutating func parseChoices(_ reader: FieldReader) throws(HTTPError) {
        choiceCount = try reader.int("n", in: 1...Self.maxChoiceCount) ?? 1
        // best_of > n would mean generating extra answers and returning the likeliest: not done.
        if let bestOf = try reader.int("best_of", in: 0...Int.max), bestOf > choiceCount {
            throw .invalidField("best_of", reason: "best_of above n (\(choiceCount)) is not supported, got \(bestOf)")
        }
        switch endpoint {
        case .chat:
            let wantsLogprobs: Bool
            switch reader.value("logprobs") {
            case nil, .null?: wantsLogprobs = false
            case .bool(let flag)?: wantsLogprobs = flag
            case let value?:
                throw .invalidField("logprobs", reason: "expected true or false, got \(value.serialized)")
            }
            let top = try reader.int("top_logprobs", in: 0...Self.maxTopLogprobs)
            if let top, top > 0, !wantsLogprobs {
                throw .invalidField("top_logprobs", reason: "top_logprobs needs logprobs set to true")
            }
            if wantsLogprobs { sampling.logprobCount = top ?? 0 }
            if reader.value("echo") != nil {
                throw .invalidField("echo", reason: "echo is a field of /v1/completions, not of chat completions")
            }
        case .completion:
            if let count = try reader.int("logprobs", in: 0...Self.maxTopLogprobs) { sampling.logprobCount = count }
            echo = try reader.bool("echo") ?? false
            if echo, let count = sampling.logprobCount { sampling.promptLogprobCount = count }
        }
    }
}
