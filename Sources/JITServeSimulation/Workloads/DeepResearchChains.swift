import JITServeCore

/// Sequential multi-stage chains ("deep research": each stage one call whose prompt carries
/// everything said before it) built from real multi-turn conversation lengths — the ShareGPT
/// turn-length table (`conv_id, turn_index, context_tokens_llama3, prompt_tokens_llama3,
/// response_tokens_llama3, …`, Llama-3 token counts).
///
/// **How a chain is built.** The rows are grouped by `conv_id`, in file order, and sorted by
/// `turn_index`. Every conversation with at least `stageCount` turns gives one chain: its first
/// `stageCount` turns, in order, one call per stage. A stage's prompt is the turn's own prompt plus
/// the conversation before it (`context_tokens_llama3`), exactly what a server re-prefills when an
/// agent sends the next step with the whole context; its output is the turn's real response. So
/// the context grows from stage to stage as the real conversation's did, and every length is a
/// real one. Conversations with fewer turns are skipped (not padded), and so are rows with an empty
/// prompt or response (a call must have both).
public enum DeepResearchChains {
    /// Application label of the workflows.
    public static let application = "deep-research"
    /// Stages per chain in the reference artifact's evaluation.
    public static let defaultStageCount = 6

    /// One chain per conversation with at least `stageCount` turns, IDs 0, 1, 2, … in file order.
    public static func load(path: String, stageCount: Int = defaultStageCount) throws -> [WorkflowSpec] {
        try parse(CSVTable.load(path: path), stageCount: stageCount)
    }

    public static func parse(_ text: String, source: String, stageCount: Int = defaultStageCount) throws -> [WorkflowSpec] {
        try parse(CSVTable(text: text, source: source), stageCount: stageCount)
    }

    static func parse(_ table: CSVTable, stageCount: Int) throws -> [WorkflowSpec] {
        guard stageCount >= 1 else {
            throw SimulationError.invalidOption(option: "stage count", value: "\(stageCount)", reason: "must be at least 1")
        }
        let conversationColumn = try table.column("conv_id")
        let turnColumn = try table.column("turn_index")
        let contextColumn = try table.column("context_tokens_llama3")
        let promptColumn = try table.column("prompt_tokens_llama3")
        let responseColumn = try table.column("response_tokens_llama3")
        var turns: [[(index: Int, call: WorkflowSpec.Call?)]] = []
        var position: [String: Int] = [:]
        try table.forEachRow { row in
            let conversation = row.string(conversationColumn)
            let turn = try row.int(turnColumn, in: 0...Int.max)
            let context = try row.int(contextColumn, in: 0...Int.max)
            let prompt = try row.int(promptColumn, in: 0...Int.max)
            let response = try row.int(responseColumn, in: 0...Int.max)
            // An empty turn breaks the chain there: it is kept as a gap, not dropped, so the
            // turns after it are not mistaken for its successors.
            let call = prompt > 0 && response > 0
                ? WorkflowSpec.Call(promptTokenCount: context + prompt, outputTokenCount: response) : nil
            if let at = position[conversation] {
                turns[at].append((turn, call))
            } else {
                position[conversation] = turns.count
                turns.append([(turn, call)])
            }
        }
        guard table.rowCount > 0 else { throw SimulationError.emptyFile(path: table.source) }
        var chains: [WorkflowSpec] = []
        for conversation in turns {
            let ordered = conversation.sorted { $0.index < $1.index }
            let calls = ordered.prefix(stageCount).compactMap(\.call)
            guard calls.count == stageCount else { continue }
            chains.append(WorkflowSpec(
                id: WorkflowID(UInt64(chains.count)), application: application,
                stages: calls.map { WorkflowSpec.Stage(calls: [$0]) }))
        }
        guard !chains.isEmpty else {
            throw SimulationError.invalidOption(
                option: "deep-research chains", value: table.source,
                reason: "no conversation has \(stageCount) non-empty turns")
        }
        return chains
    }
}
