import JITServeCore
import JITServeEngine

/// The text codec of a GGUF model: its own tokenizer and chat template.
public struct GGUFTextCodec: TextCodec {
    public let tokenizer: Tokenizer
    public let template: ChatTemplate
    public let modelName: String
    /// Whether control-token texts (`<|im_end|>`) in client text become control tokens, as
    /// they do in template text. False (the server's and `generate`'s default) keeps a user from
    /// forging turns of the conversation; true is what vLLM, llama.cpp and Hugging Face
    /// tokenizers do (`--parse-special-in-content` on `serve`).
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

    public var parsesSpecialTokensInContent: Bool { contentParsesSpecialTokens }

    public var summary: String { "\(modelName)'s GGUF tokenizer and chat template" }
    public var vocabularySize: Int { tokenizer.vocabularySize }

    public func renderChat(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> PromptText {
        try template.render(messages, addGenerationPrompt: addGenerationPrompt)
    }

    /// Template pieces may spell control tokens; message pieces may only when
    /// `contentParsesSpecialTokens`. The text between special tokens is encoded as one run
    /// across pieces, so a prompt tokenizes as the reference tokenizers do whenever its messages
    /// hold no control-token text.
    public func encode(_ prompt: PromptText) -> [Int32] {
        tokenizer.encode(pieces: prompt.segments.map {
            ($0.text, $0.origin == .template || contentParsesSpecialTokens)
        })
    }

    /// Control tokens read as their spelling (`<|im_end|>`), the rest as their bytes.
    public func tokenText(_ token: Int32) -> String {
        if tokenizer.isSpecial(token) { return tokenizer.tokenTexts[Int(token)] }
        return String(decoding: tokenizer.bytes(of: token), as: UTF8.self)
    }

    public func bytes(of token: Int32) -> [UInt8] {
        tokenizer.isSpecial(token) ? [] : tokenizer.bytes(of: token)
    }
}
