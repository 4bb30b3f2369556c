import JITServeCPU
import JITServeHTTP

/// The server's tokenizer protocol over the CPU model's own GGUF tokenizer and chat template.
struct GGUFTextCodec: TextCodec {
    let tokenizer: Tokenizer
    let template: ChatTemplate
    let modelName: String

    var summary: String { "\(modelName)'s GGUF tokenizer and chat template" }
    var vocabularySize: Int { tokenizer.vocabularySize }

    func encode(_ text: String) -> [Int32] { tokenizer.encode(text) }

    func bytes(of token: Int32) -> [UInt8] {
        tokenizer.isSpecial(token) ? [] : tokenizer.bytes(of: token)
    }

    func encodeChat(_ messages: [JITServeHTTP.ChatMessage], addGenerationPrompt: Bool) throws -> [Int32] {
        let rendered = try template.render(
            messages.map { JITServeCPU.ChatMessage(role: $0.role.rawValue, content: $0.content) },
            addGenerationPrompt: addGenerationPrompt)
        return tokenizer.encode(rendered)
    }
}
