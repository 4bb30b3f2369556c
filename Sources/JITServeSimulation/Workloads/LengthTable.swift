/// A prompt/output length pair with no arrival time or text.
public struct LengthPair: Hashable, Sendable {
    public var promptTokenCount: Int
    public var outputTokenCount: Int

    public init(promptTokenCount: Int, outputTokenCount: Int) {
        self.promptTokenCount = promptTokenCount
        self.outputTokenCount = outputTokenCount
    }
}

/// A table of request lengths to draw from: the ShareGPT turn-length table
/// (`sharegpt_turn_lengths.csv`, Llama-3 token counts) or sarathi-serve's
/// `sharegpt_8k_filtered_stats_llama2_tokenizer.csv` (Llama-2 token counts).
public struct LengthTable: Sendable {
    public enum Schema: String, CaseIterable, Sendable {
        /// `conv_id,turn_index,context_tokens_llama3,prompt_tokens_llama3,response_tokens_llama3,…`.
        /// The prompt length is the turn's own prompt plus the conversation before it
        /// (`context_tokens_llama3`): a chat server prefills the whole history.
        case shareGPTTurns
        /// `num_prefill_tokens,num_decode_tokens,…` (sarathi-serve and vidur length tables).
        case prefillDecode
    }

    public var source: String
    public var pairs: [LengthPair]
    /// Rows left out because their prompt or output was empty (0 tokens): a request must have
    /// a prompt and generate at least one token. (134 of the 61,223 ShareGPT turns.)
    public var skippedRowCount: Int

    public init(source: String, pairs: [LengthPair], skippedRowCount: Int = 0) {
        self.source = source
        self.pairs = pairs
        self.skippedRowCount = skippedRowCount
    }

    /// Loads a length table, detecting its schema from the header.
    public static func load(path: String) throws -> LengthTable {
        try parse(CSVTable.load(path: path))
    }

    /// Parses table text; `source` names it in errors.
    public static func parse(_ text: String, source: String) throws -> LengthTable {
        try parse(CSVTable(text: text, source: source))
    }

    static func parse(_ table: CSVTable) throws -> LengthTable {
        let prompt: Int, output: Int, context: Int?
        if table.header.contains("response_tokens_llama3") {
            prompt = try table.column("prompt_tokens_llama3")
            output = try table.column("response_tokens_llama3")
            context = try table.column("context_tokens_llama3")
        } else {
            prompt = try table.column("num_prefill_tokens")
            output = try table.column("num_decode_tokens")
            context = nil
        }
        var pairs: [LengthPair] = []
        pairs.reserveCapacity(table.rowCount)
        var skipped = 0
        try table.forEachRow { row in
            let history = try context.map { try row.int($0, in: 0...Int.max) } ?? 0
            let promptTokens = try row.int(prompt, in: 0...Int.max)
            let outputTokens = try row.int(output, in: 0...Int.max)
            guard promptTokens > 0 && outputTokens > 0 else {
                skipped += 1
                return
            }
            pairs.append(LengthPair(promptTokenCount: history + promptTokens, outputTokenCount: outputTokens))
        }
        guard !pairs.isEmpty else { throw SimulationError.emptyFile(path: table.source) }
        return LengthTable(source: table.source, pairs: pairs, skippedRowCount: skipped)
    }
}
