import JITServeCore

/// Text ↔ token IDs for one model: the prompt side (chat template, tokenizer) and the output
/// side (each token's bytes, assembled by a `Detokenizer`).
///
/// The CPU executor's model brings `GGUFTextCodec`; the echo and simulated executors, which have
/// no vocabulary, use `ByteCodec` (one token per UTF-8 byte).
public protocol TextCodec: Sendable {
    /// One line for `/v1/models`: which tokenizer this is, and whether output text is real.
    var summary: String { get }
    /// Token IDs must lie in `0..<vocabularySize`.
    var vocabularySize: Int { get }
    /// The chat template applied to `messages`: template text and message content, in order.
    func renderChat(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> PromptText
    /// The token IDs of `prompt`.
    func encode(_ prompt: PromptText) throws -> [Int32]
    /// The raw bytes a token adds to the output (empty for control tokens such as
    /// end-of-sequence). A character may be split across tokens; `Detokenizer` joins them.
    func bytes(of token: Int32) -> [UInt8]
    /// How a token reads in log-probability listings: its text, control tokens spelt out.
    func tokenText(_ token: Int32) -> String
    /// Whether control-token texts in client text (message content, a completion prompt) become
    /// control tokens, rather than staying text as template text's do not.
    var parsesSpecialTokensInContent: Bool { get }
}

extension TextCodec {
    /// Codecs without control tokens have nothing to parse.
    public var parsesSpecialTokensInContent: Bool { false }

    /// The token's bytes as text (U+FFFD for a piece of a character).
    public func tokenText(_ token: Int32) -> String { String(decoding: bytes(of: token), as: UTF8.self) }

    /// The text of `tokens` as a whole. Invalid or truncated UTF-8 becomes U+FFFD, exactly as
    /// the streamed text of the same tokens ends (see `Detokenizer.finish()`).
    public func decode(_ tokens: [Int32]) -> String {
        var all: [UInt8] = []
        for token in tokens { all.append(contentsOf: bytes(of: token)) }
        return String(decoding: all, as: UTF8.self)
    }

    /// The output processor for one request: incremental text and its stop strings.
    public func makeDetokenizer(stopStrings: [String]) -> Detokenizer {
        Detokenizer(codec: self, stopStrings: stopStrings)
    }
}
