import FuzzDriver
import JITServeCore
import JITServeCPU

/// A chat template as a GGUF carries it (untrusted: anyone can publish a GGUF): lexed, parsed and
/// rendered over a short conversation whose messages are the same bytes, so that template and
/// message text both reach the renderer.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let template = try? ChatTemplate(source: text, bosToken: "<s>", eosToken: "</s>") else { return 0 }
    let messages = [
        ChatMessage(role: .system, content: "Be brief."),
        ChatMessage(role: .user, content: text),
        ChatMessage(role: .assistant, content: "ok"),
        ChatMessage(role: .user, content: "{{ messages }}"),
    ]
    _ = try? template.render(messages, addGenerationPrompt: true)
    _ = try? template.render([], addGenerationPrompt: false)
    return 0
}

runFuzzer(fuzzOne)
