import JITServeCore

/// A trivial codec: one token per UTF-8 byte (IDs 0–255), plus an end-of-sequence token, and a
/// ChatML chat template rendered as plain text.
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

    /// Every byte of every segment: there are no control tokens to parse.
    public func encode(_ prompt: PromptText) -> [Int32] {
        var tokens: [Int32] = []
        for segment in prompt.segments { tokens.append(contentsOf: segment.text.utf8.map { Int32($0) }) }
        return tokens
    }

    public func bytes(of token: Int32) -> [UInt8] {
        if token == placeholderToken { return placeholder }
        if (0..<256).contains(token) { return [UInt8(token)] }
        return token == Self.endOfSequence ? [] : placeholder
    }

    /// ChatML: `<|im_start|>role\ncontent<|im_end|>\n` per message, then the assistant's header.
    public func renderChat(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> PromptText {
        var prompt = PromptText()
        for message in messages {
            prompt.append("<|im_start|>\(message.role.rawValue)\n", origin: .template)
            prompt.append(message.content, origin: .content)
            prompt.append("<|im_end|>\n", origin: .template)
        }
        if addGenerationPrompt { prompt.append("<|im_start|>assistant\n", origin: .template) }
        return prompt
    }
}
