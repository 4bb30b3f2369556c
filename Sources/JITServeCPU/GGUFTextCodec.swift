import JITServeCore
import JITServeEngine

/// The text codec of a GGUF model: its own tokenizer and chat template.
public struct GGUFTextCodec: TextCodec {
    public let tokenizer: Tokenizer
    public let template: ChatTemplate
    public let modelName: String
    /// Whether control-token texts (`<|im_end|>`) in client text become control tokens, as
    /// they do in template text. True is what the server has always done (and what Hugging
    /// Face tokenizers do by default); false treats client text as plain text.
    public let contentParsesSpecialTokens: Bool

    public init(tokenizer: Tokenizer, template: ChatTemplate, modelName: String, contentParsesSpecialTokens: Bool) {
        self.tokenizer = tokenizer
        self.template = template
        self.modelName = modelName
        self.contentParsesSpecialTokens = contentParsesSpecialTokens
    }

    /// Reads the tokenizer and chat template from `file`.
    public init(gguf file: GGUFFile, modelName: String, contentParsesSpecialTokens: Bool) throws {
        try self.init(tokenizer: Tokenizer(gguf: file), template: ChatTemplate(gguf: file), modelName: modelName,
                      contentParsesSpecialTokens: contentParsesSpecialTokens)
    }

    public var summary: String { "\(modelName)'s GGUF tokenizer and chat template" }
    public var vocabularySize: Int { tokenizer.vocabularySize }

    public func renderChat(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> PromptText {
        try template.render(messages, addGenerationPrompt: addGenerationPrompt)
    }

    /// When every piece parses control tokens, the prompt is tokenized as one string (BPE merges
    /// never span a piece boundary otherwise); else piece by piece, each by its origin.
    public func encode(_ prompt: PromptText) -> [Int32] {
        if contentParsesSpecialTokens { return tokenizer.encode(prompt.text, parseSpecial: true) }
        var tokens: [Int32] = []
        for (index, segment) in prompt.segments.enumerated() {
            tokens += tokenizer.encode(segment.text, parseSpecial: segment.origin == .template, atStart: index == 0)
        }
        if prompt.segments.isEmpty { tokens = tokenizer.encode("") }
        return tokens
    }

    public func bytes(of token: Int32) -> [UInt8] {
        tokenizer.isSpecial(token) ? [] : tokenizer.bytes(of: token)
    }
}
