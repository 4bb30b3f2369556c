import JITServeCore
import JITServeEngine

/// Renders a conversation exactly as the GGUF's `tokenizer.chat_template` (a Jinja template)
/// would. Rather than interpret Jinja, the template is recognised by structure: the ChatML family
/// (SmolLM2's included) — a loop over messages printing a concatenation of literals and
/// `message['role']` / `message['content']`, an optional default system turn printed before the
/// first message when that is not a system message, and an optional generation prompt. Anything
/// else is refused with an error, never guessed.
public struct ChatTemplate: Sendable {
    /// One term of a printed concatenation.
    enum Term: Sendable, Equatable {
        case literal(String)
        case role
        case content
    }

    /// The template source, as read from the GGUF.
    public let source: String
    /// Printed for every message, in order.
    let messageTerms: [Term]
    /// Printed before the first message when it is not a system message (nil: nothing).
    let defaultSystemTurn: String?
    /// Printed after the messages when a generation prompt is asked for.
    let generationPrompt: String

    /// Reads and recognises `tokenizer.chat_template` from `gguf`.
    public init(gguf: GGUFFile) throws {
        guard let value = gguf.metadata["tokenizer.chat_template"] else {
            throw CPUError.missingMetadata(key: "tokenizer.chat_template")
        }
        guard let source = value.string else {
            throw CPUError.invalidMetadata(key: "tokenizer.chat_template", reason: "not a string")
        }
        try self.init(source: source)
    }

    /// Recognises a template given as Jinja source.
    public init(source: String) throws {
        self.source = source
        let parsed = try Parser(source: source).parse()
        messageTerms = parsed.messageTerms
        defaultSystemTurn = parsed.defaultSystemTurn
        generationPrompt = parsed.generationPrompt
    }

    /// The default system message's text when the default turn has ChatML's shape
    /// (`<|im_start|>system\n…<|im_end|>\n`), e.g. SmolLM2's "You are a helpful AI assistant named
    /// SmolLM, trained by Hugging Face".
    public var defaultSystemMessage: String? {
        guard let turn = defaultSystemTurn else { return nil }
        let head = "<|im_start|>system\n"
        let tail = "<|im_end|>\n"
        guard turn.hasPrefix(head), turn.hasSuffix(tail), turn.count >= head.count + tail.count else { return turn }
        return String(turn.dropFirst(head.count).dropLast(tail.count))
    }

    /// The prompt for `messages`: the template's own text (literals, role names, the default
    /// system turn, the generation prompt) apart from the messages' content. With
    /// `addGenerationPrompt`, it ends with the opening of an assistant turn so the model writes
    /// the reply. Every template this type accepts renders any list of messages; `throws` leaves
    /// room for templates that reject some (e.g. role order).
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> PromptText {
        var prompt = PromptText()
        for (index, message) in messages.enumerated() {
            if index == 0, message.role != .system, let defaultSystemTurn {
                prompt.append(defaultSystemTurn, origin: .template)
            }
            for term in messageTerms {
                switch term {
                case .literal(let text): prompt.append(text, origin: .template)
                case .role: prompt.append(message.role.rawValue, origin: .template)
                case .content: prompt.append(message.content, origin: .content)
                }
            }
        }
        if addGenerationPrompt { prompt.append(generationPrompt, origin: .template) }
        return prompt
    }
}
