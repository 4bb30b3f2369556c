import JITServeCore

/// One prompt with the length of its response: a training or evaluation row.
public struct LengthExample: Sendable, Hashable {
    /// A stable row identifier (ShareGPT's `conv_id`), used by the held-out split rule.
    public var id: String?
    public var promptText: String?
    public var promptTokenCount: Int
    public var outputTokenCount: Int
    public var kind: SLOKind?
    /// The application that sent it, when known (length logs record it).
    public var application: String?
    /// The model that answered, when known (length logs record it).
    public var servedModel: String?
    /// How the answer ended, when known: `length` means cut at `max_tokens`.
    public var finishReason: FinishReason?
    /// The prompt's text features, when a length log stored them instead of the text.
    public var promptFeatures: [Float]?
    /// 1-based line of the data file the row came from (0 when built in code).
    public var line: Int

    public init(
        id: String? = nil, promptText: String?, promptTokenCount: Int, outputTokenCount: Int,
        kind: SLOKind? = nil, application: String? = nil, servedModel: String? = nil,
        finishReason: FinishReason? = nil, promptFeatures: [Float]? = nil, line: Int = 0
    ) {
        self.id = id
        self.promptText = promptText
        self.promptTokenCount = promptTokenCount
        self.outputTokenCount = outputTokenCount
        self.kind = kind
        self.application = application
        self.servedModel = servedModel
        self.finishReason = finishReason
        self.promptFeatures = promptFeatures
        self.line = line
    }

    /// Whether the deterministic split holds this row out (`fnv1a64(id) % 10 == 0`); rows
    /// without an identifier are never held out.
    public var isHeldOut: Bool { id.map(FNV1a.isHeldOut) ?? false }
}

/// Which rows of a data file a command uses.
public enum LengthDatasetSplit: String, CaseIterable, Sendable {
    /// Every row.
    case all
    /// Rows the split rule does not hold out.
    case train
    /// Rows the split rule holds out.
    case test

    /// The rows of `examples` in this split.
    public func select(_ examples: [LengthExample]) -> [LengthExample] {
        switch self {
        case .all: examples
        case .train: examples.filter { !$0.isHeldOut }
        case .test: examples.filter(\.isHeldOut)
        }
    }
}
