import JITServeEngine

/// What the server serves once the model is loaded: the live engine, whose text codec encodes
/// prompts as its detokenizers decode answers.
public struct ServingBackend: Sendable {
    public let engine: LiveEngine
    public let codec: any TextCodec
    /// For `/v1/models`: the executor (`cpu`, `sim`, `echo`) and whether its text is a model's.
    public let executorName: String
    public let textNote: String
    /// Whether the executor has a model whose log-probabilities it can report (the CPU
    /// executor); requests for `logprobs` are refused otherwise.
    public let providesLogprobs: Bool

    /// - Precondition: `engine` was built with a text codec (a server reads and writes text).
    public init(engine: LiveEngine, executorName: String, textNote: String, providesLogprobs: Bool = false) {
        guard let codec = engine.textCodec else { preconditionFailure("a served engine needs a text codec") }
        self.engine = engine
        self.codec = codec
        self.executorName = executorName
        self.textNote = textNote
        self.providesLogprobs = providesLogprobs
    }
}
