import JITServeCore
import JITServeEngine

/// Renders a conversation as the GGUF's `tokenizer.chat_template` (a Jinja template) says,
/// with the environment Hugging Face's `apply_chat_template` gives it: `trim_blocks` and
/// `lstrip_blocks`, the variables `messages`, `add_generation_prompt`, `bos_token` and
/// `eos_token`, and the functions `raise_exception`, `strftime_now` and `namespace`.
///
/// The renderer is a Jinja subset (`JinjaLexer`, `JinjaParser`, `JinjaRenderer`) written for
/// chat templates; a template using something outside it is refused when loaded, naming the
/// construct, never rendered approximately. Every string it handles remembers which characters
/// came from the template and which from a message, so the prompt it returns keeps the two apart.
public struct ChatTemplate: Sendable {
    /// The template source, as read from the GGUF.
    public let source: String
    /// Printed for `bos_token` / `eos_token` (the tokenizer's texts of those tokens).
    public let bosToken: String
    public let eosToken: String
    let nodes: [JinjaNode]

    /// Reads `tokenizer.chat_template` from `gguf`, and the BOS/EOS texts from its vocabulary.
    public init(gguf: GGUFFile) throws {
        guard let value = gguf.metadata["tokenizer.chat_template"] else {
            throw CPUError.missingMetadata(key: "tokenizer.chat_template")
        }
        guard let source = value.string else {
            throw CPUError.invalidMetadata(key: "tokenizer.chat_template", reason: "not a string")
        }
        func tokenText(_ key: String) -> String {
            guard let id = gguf.metadata[key]?.int, let tokens = gguf.metadata["tokenizer.ggml.tokens"]?.array,
                tokens.indices.contains(id)
            else { return "" }
            return tokens[id].string ?? ""
        }
        try self.init(
            source: source, bosToken: tokenText("tokenizer.ggml.bos_token_id"),
            eosToken: tokenText("tokenizer.ggml.eos_token_id"))
    }

    /// Parses a template given as Jinja source.
    public init(source: String, bosToken: String = "", eosToken: String = "") throws {
        self.source = source
        self.bosToken = bosToken
        self.eosToken = eosToken
        var parser = JinjaParser(parts: try JinjaLexer().parts(of: source))
        nodes = try parser.parseTemplate()
    }

    /// The prompt for `messages`: the template's own text apart from the messages' content.
    /// With `addGenerationPrompt`, it ends with the opening of an assistant turn so the model
    /// writes the reply. `variables` are passed to the template as well (e.g. `date_string`).
    /// - Throws: `CPUError.chatTemplateFailed` when the template rejects the conversation
    ///   (its `raise_exception`, e.g. roles that do not alternate).
    public func render(
        _ messages: [ChatMessage], addGenerationPrompt: Bool, variables: [String: String] = [:]
    ) throws -> PromptText {
        var globals: [String: JinjaValue] = [
            "messages": .list(messages.map { message in
                .dictionary(JinjaDictionary([
                    // A role is one of a fixed set of names: template text, not client text.
                    ("role", .text(message.role.rawValue)),
                    ("content", .string(.content(message.content))),
                ]))
            }),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .text(bosToken),
            "eos_token": .text(eosToken),
        ]
        for name in ["raise_exception", "strftime_now", "namespace", "range", "dict"] {
            globals[name] = .function(name: name, receiver: nil)
        }
        for (name, value) in variables { globals[name] = .text(value) }
        var renderer = JinjaRenderer(globals: globals)
        _ = try renderer.render(nodes)
        return renderer.output
    }
}
