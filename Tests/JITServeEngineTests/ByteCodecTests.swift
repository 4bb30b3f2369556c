import JITServeCore
import JITServeEngine
import Testing

@Suite struct ByteCodecTests {
    @Test func roundTripsAnyText() {
        let codec = ByteCodec()
        let text = "Grüße, 世界 — 😀\n\t\"quoted\""
        let tokens = codec.encode(.content(text))
        #expect(tokens.count == text.utf8.count)
        #expect(codec.decode(tokens) == text)
        #expect(codec.bytes(of: ByteCodec.endOfSequence).isEmpty)
    }

    @Test func rendersChatMLWithTheGenerationPrompt() {
        let messages = [ChatMessage(role: .system, content: "Be brief."), ChatMessage(role: .user, content: "Hi")]
        let codec = ByteCodec()
        let with = codec.renderChat(messages, addGenerationPrompt: true)
        let without = codec.renderChat(messages, addGenerationPrompt: false)
        #expect(with.text == without.text + "<|im_start|>assistant\n")
        #expect(without.text.contains("<|im_start|>user\nHi<|im_end|>\n"))
        #expect(without.text.hasPrefix("<|im_start|>system\nBe brief.<|im_end|>\n"))
        #expect(without.segments.filter { $0.origin == .content }.map(\.text) == ["Be brief.", "Hi"])
        #expect(codec.decode(codec.encode(with)) == with.text)
    }

    @Test func placeholderTokenRendersAsPlaceholder() {
        let codec = ByteCodec(placeholderToken: 0, placeholder: " tok")
        #expect(codec.decode([0, 0]) == " tok tok")
        #expect(codec.decode([65]) == "A")
    }
}
