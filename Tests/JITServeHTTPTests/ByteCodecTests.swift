import JITServeHTTP
import Testing

@Suite struct ByteCodecTests {
    @Test func roundTripsAnyText() {
        let codec = ByteCodec()
        let text = "Grüße, 世界 — 😀\n\t\"quoted\""
        let tokens = codec.encode(text)
        #expect(tokens.count == text.utf8.count)
        #expect(codec.decode(tokens) == text)
        #expect(codec.bytes(of: ByteCodec.endOfSequence).isEmpty)
    }

    @Test func rendersChatMLWithTheGenerationPrompt() {
        let messages = [ChatMessage(role: .system, content: "Be brief."), ChatMessage(role: .user, content: "Hi")]
        let codec = ByteCodec()
        let with = codec.decode(codec.encodeChat(messages, addGenerationPrompt: true))
        let without = codec.decode(codec.encodeChat(messages, addGenerationPrompt: false))
        #expect(with == without + "<|im_start|>assistant\n")
        #expect(without.contains("<|im_start|>user\nHi<|im_end|>\n"))
        #expect(without.hasPrefix("<|im_start|>system\nBe brief.<|im_end|>\n"))
    }

    @Test func placeholderTokenRendersAsPlaceholder() {
        let codec = ByteCodec(placeholderToken: 0, placeholder: " tok")
        #expect(codec.decode([0, 0]) == " tok tok")
        #expect(codec.decode([65]) == "A")
    }
}
