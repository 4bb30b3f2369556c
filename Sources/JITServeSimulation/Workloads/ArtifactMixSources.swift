import JITServeCore

/// What the `artifact` workload draws from.
public struct ArtifactMixSources: Sendable {
    /// Latency requests: chat prompts with text (the held-out ShareGPT sample).
    public var chatPrompts: [ChatPrompt]
    /// Deadline requests: prompt/output lengths (the Azure 2023 code trace).
    public var codeLengths: [LengthPair]
    /// Tree-of-Thoughts call lengths by kind, one entry per logged task.
    public var treeOfThoughts: [TreeOfThoughtsTrace.TaskCalls]
    /// Deep-research chains from held-out ShareGPT conversations.
    public var deepResearch: [WorkflowSpec]

    public init(
        chatPrompts: [ChatPrompt], codeLengths: [LengthPair], treeOfThoughts: [TreeOfThoughtsTrace.TaskCalls],
        deepResearch: [WorkflowSpec]
    ) throws {
        for (name, count) in [
            ("chat prompts", chatPrompts.count), ("code lengths", codeLengths.count),
            ("Tree-of-Thoughts tasks", treeOfThoughts.filter { !$0.propose.isEmpty || !$0.value.isEmpty }.count),
            ("deep-research chains", deepResearch.count),
        ] where count == 0 {
            throw SimulationError.invalidOption(option: "artifact sources", value: name, reason: "is empty")
        }
        self.chatPrompts = chatPrompts
        self.codeLengths = codeLengths
        self.treeOfThoughts = treeOfThoughts.filter { !$0.propose.isEmpty || !$0.value.isEmpty }
        self.deepResearch = deepResearch
    }

    /// The sources shipped with this module (see Resources/README.md).
    public static func bundled() throws -> ArtifactMixSources {
        let code = try ArrivalTrace.load(path: WorkloadResource.azureCode.path())
        return try ArtifactMixSources(
            chatPrompts: ChatPromptSample.load(path: WorkloadResource.chatPrompts.path()).prompts,
            codeLengths: code.entries.map {
                LengthPair(promptTokenCount: $0.promptTokenCount, outputTokenCount: $0.outputTokenCount)
            },
            treeOfThoughts: TreeOfThoughtsTrace.loadCalls(path: WorkloadResource.treeOfThoughts.path()),
            deepResearch: DeepResearchChains.load(path: WorkloadResource.chatLengths.path()))
    }
}
