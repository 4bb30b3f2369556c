import JITServeEngine

/// What the server serves once the model is loaded: the live engine and its tokenizer.
public struct ServingBackend: Sendable {
    public let engine: LiveEngine
    public let codec: any TextCodec
    /// For `/v1/models`: the executor (`cpu`, `sim`, `echo`) and whether its text is a model's.
    public let executorName: String
    public let textNote: String

    public init(engine: LiveEngine, codec: any TextCodec, executorName: String, textNote: String) {
        self.engine = engine
        self.codec = codec
        self.executorName = executorName
        self.textNote = textNote
    }
}
