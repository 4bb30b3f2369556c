/// A trivial tokenizer: one token per UTF-8 byte (IDs 0–255), plus an end-of-sequence token, and
/// a ChatML chat template rendered as plain text.
///
/// Used with the echo and simulated executors, which have no vocabulary of their own. Token
/// counts are therefore byte counts (about four times what a BPE tokenizer would give).
public struct ByteCodec: TextCodec {
    public static let endOfSequence: Int32 = 256
    /// A token that renders as `placeholder` instead of its byte (the simulated executor's
    /// every token), so that placeholder output is visibly placeholder.
    public let placeholderToken: Int32?
    public let placeholder: [UInt8]
    public let summary: String

    public init(
        placeholderToken: Int32? = nil, placeholder: String = "\u{FFFD}",
        summary: String = "byte-level tokenizer (1 token per UTF-8 byte)"
    ) {
        self.placeholderToken = placeholderToken
        self.placeholder = Array(placeholder.utf8)
        self.summary = summary
    }

    public var vocabularySize: Int { 257 }

    public func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }

    public func bytes(of token: Int32) -> [UInt8] {
        if token == placeholderToken { return placeholder }
        if (0..<256).contains(token) { return [UInt8(token)] }
        return token == Self.endOfSequence ? [] : placeholder
    }

    public func encodeChat(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> [Int32] {
        encode(Self.renderChatML(messages, addGenerationPrompt: addGenerationPrompt))
    }

    /// ChatML: `<|im_start|>role\ncontent<|im_end|>\n` per message, then the assistant's header.
    public static func renderChatML(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var text = ""
        for message in messages {
            text += "<|im_start|>\(message.role.rawValue)\n\(message.content)<|im_end|>\n"
        }
        if addGenerationPrompt { text += "<|im_start|>assistant\n" }
        return text
    }
}
