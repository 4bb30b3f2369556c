import JITServeCore

/// What the `paper-mix` workload draws from: chat prompts for latency requests, code lengths for
/// deadline requests, and real workflow shapes for compound requests.
public struct PaperMixSources: Sendable {
    /// Latency requests: chat prompts with text (the held-out ShareGPT sample).
    public var chatPrompts: [ChatPrompt]
    /// Deadline requests: prompt/output lengths (the Azure 2023 code trace).
    public var codeLengths: [LengthPair]
    /// Compound requests, half of them: Tree-of-Thoughts tasks, used as logged.
    public var treeOfThoughts: [WorkflowSpec]
    /// Compound requests, the other half: MetaGPT runs, each instance a fresh per-round
    /// bootstrap variant (`MetaGPTTrace.resample`).
    public var metaGPT: [WorkflowSpec]

    public init(
        chatPrompts: [ChatPrompt], codeLengths: [LengthPair], treeOfThoughts: [WorkflowSpec],
        metaGPT: [WorkflowSpec]
    ) throws {
        // An empty pool would leave a third of the arrivals with nothing to draw.
        for (name, count) in [
            ("chat prompts", chatPrompts.count), ("code lengths", codeLengths.count),
            ("Tree-of-Thoughts workflows", treeOfThoughts.count), ("MetaGPT workflows", metaGPT.count),
        ] where count == 0 {
            throw SimulationError.invalidOption(option: "paper-mix sources", value: name, reason: "is empty")
        }
        self.chatPrompts = chatPrompts
        self.codeLengths = codeLengths
        self.treeOfThoughts = treeOfThoughts
        self.metaGPT = metaGPT
    }

    /// The sources shipped with this module (see Resources/README.md).
    public static func bundled() throws -> PaperMixSources {
        let code = try ArrivalTrace.load(path: WorkloadResource.azureCode.path())
        return try PaperMixSources(
            chatPrompts: ChatPromptSample.load(path: WorkloadResource.chatPrompts.path()).prompts,
            codeLengths: code.entries.map {
                LengthPair(promptTokenCount: $0.promptTokenCount, outputTokenCount: $0.outputTokenCount)
            },
            treeOfThoughts: TreeOfThoughtsTrace.load(path: WorkloadResource.treeOfThoughts.path()),
            metaGPT: MetaGPTTrace.load(path: WorkloadResource.metaGPT.path()))
    }
}
