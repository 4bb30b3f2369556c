import Foundation

/// A chat prompt with its text and true lengths (Llama-3 tokens).
public struct ChatPrompt: Hashable, Sendable {
    public var text: String
    /// Tokens of the whole prompt; the shipped sample cuts `text` to 2,000 characters, but the
    /// count is the original prompt's, which is what a server would prefill.
    public var promptTokenCount: Int
    public var outputTokenCount: Int

    public init(text: String, promptTokenCount: Int, outputTokenCount: Int) {
        self.text = text
        self.promptTokenCount = promptTokenCount
        self.outputTokenCount = outputTokenCount
    }
}

/// Chat prompts with text, read from JSON Lines whose objects carry `prompt`, `prompt_tokens`
/// and `output_tokens` (the held-out ShareGPT sample this module ships), or the shared
/// `sharegpt_first_turn.jsonl` spelling `prompt_tokens_llama3` / `response_tokens_llama3`.
public struct ChatPromptSample: Sendable {
    public var source: String
    public var prompts: [ChatPrompt]

    public init(source: String, prompts: [ChatPrompt]) {
        self.source = source
        self.prompts = prompts
    }

    public static func load(path: String) throws -> ChatPromptSample {
        try parse(bytes: readFileBytes(path), source: path)
    }

    public static func parse(_ text: String, source: String) throws -> ChatPromptSample {
        try parse(bytes: Array(text.utf8), source: source)
    }

    private struct Row: Decodable {
        var prompt: String
        var promptTokens: Int?
        var outputTokens: Int?
        var promptTokensLlama3: Int?
        var responseTokensLlama3: Int?

        enum CodingKeys: String, CodingKey {
            case prompt
            case promptTokens = "prompt_tokens"
            case outputTokens = "output_tokens"
            case promptTokensLlama3 = "prompt_tokens_llama3"
            case responseTokensLlama3 = "response_tokens_llama3"
        }
    }

    static func parse(bytes: [UInt8], source: String) throws -> ChatPromptSample {
        let decoder = JSONDecoder()
        var prompts: [ChatPrompt] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            let line = bytes[start..<end]
            start = end + 1
            guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { continue }
            let row: Row
            do {
                row = try decoder.decode(Row.self, from: Data(line))
            } catch {
                throw SimulationError.malformedRow(
                    file: source, line: lineNumber, reason: "not a JSON object with a string 'prompt'")
            }
            guard let promptTokens = row.promptTokens ?? row.promptTokensLlama3 else {
                throw SimulationError.malformedRow(file: source, line: lineNumber, reason: "missing 'prompt_tokens'")
            }
            guard let outputTokens = row.outputTokens ?? row.responseTokensLlama3 else {
                throw SimulationError.malformedRow(file: source, line: lineNumber, reason: "missing 'output_tokens'")
            }
            guard promptTokens >= 0, outputTokens >= 0 else {
                throw SimulationError.malformedRow(
                    file: source, line: lineNumber, reason: "token counts must not be negative")
            }
            // Empty prompts or answers are skipped, as in the length tables.
            guard promptTokens > 0, outputTokens > 0 else { continue }
            prompts.append(ChatPrompt(text: row.prompt, promptTokenCount: promptTokens, outputTokenCount: outputTokens))
        }
        guard !prompts.isEmpty else { throw SimulationError.emptyFile(path: source) }
        return ChatPromptSample(source: source, prompts: prompts)
    }
}
