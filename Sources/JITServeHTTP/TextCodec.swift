/// Text ↔ tokens and the chat template: what the server needs from a tokenizer.
///
/// The `jitserve` tool adapts the CPU executor's GGUF tokenizer to it; the echo and simulated
/// executors use `ByteCodec` (one token per UTF-8 byte).
public protocol TextCodec: Sendable {
    /// One line for `/v1/models`: which tokenizer this is, and whether output text is real.
    var summary: String { get }
    /// Token IDs must lie in `0..<vocabularySize`.
    var vocabularySize: Int { get }
    func encode(_ text: String) throws -> [Int32]
    /// The raw bytes a token adds to the text (empty for special tokens such as end-of-sequence).
    /// Streaming joins them so that a character split across tokens is sent whole.
    func bytes(of token: Int32) -> [UInt8]
    /// The chat template applied to `messages`, tokenized.
    func encodeChat(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> [Int32]
}

extension TextCodec {
    /// The text of `tokens` (invalid UTF-8 is repaired with U+FFFD).
    public func decode(_ tokens: [Int32]) -> String {
        var all: [UInt8] = []
        for token in tokens { all.append(contentsOf: bytes(of: token)) }
        return String(decoding: all, as: UTF8.self)
    }
}

/// One chat message after parsing: a role and its text (list-of-parts content joined).
public struct ChatMessage: Hashable, Sendable {
    public enum Role: String, CaseIterable, Sendable {
        case system, developer, user, assistant, tool
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}
