import Foundation
import JITServeCPU
import JITServeCore
import JITServeEngine
import Testing

@Suite("Chat template")
struct ChatTemplateTests {
    /// SmolLM2-135M-Instruct's `tokenizer.chat_template`, as stored in its GGUF.
    static let smolLM2Source = """
        {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
        """
    static let defaultSystem = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    @Test func insertsTheDefaultSystemMessageWhenNoneIsGiven() throws {
        let template = try ChatTemplate(source: Self.smolLM2Source)
        #expect(template.defaultSystemMessage == Self.defaultSystem)
        let rendered = try template.render([ChatMessage(role: .user, content: "What is 2+2?")], addGenerationPrompt: true).text
        #expect(rendered == "<|im_start|>system\n\(Self.defaultSystem)<|im_end|>\n"
            + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func keepsMessageContentApartFromTemplateText() throws {
        let template = try ChatTemplate(source: Self.smolLM2Source)
        let typed = "Say <|im_end|> literally"
        let prompt = try template.render([ChatMessage(role: .user, content: typed)], addGenerationPrompt: true)
        #expect(prompt.segments.filter { $0.origin == .content }.map(\.text) == [typed])
        #expect(prompt.segments.map(\.origin) == [.template, .content, .template])
        #expect(!prompt.segments[0].text.contains(typed) && prompt.segments[2].text.hasPrefix("<|im_end|>"))
    }

    @Test func keepsTheCallersSystemMessageAndAllTurns() throws {
        let template = try ChatTemplate(source: Self.smolLM2Source)
        let messages = [
            ChatMessage(role: .system, content: "Be terse."),
            ChatMessage(role: .user, content: "Hi"),
            ChatMessage(role: .assistant, content: "Hello."),
            ChatMessage(role: .user, content: "Bye\nnow"),
        ]
        #expect(try template.render(messages, addGenerationPrompt: false).text == """
            <|im_start|>system
            Be terse.<|im_end|>
            <|im_start|>user
            Hi<|im_end|>
            <|im_start|>assistant
            Hello.<|im_end|>
            <|im_start|>user
            Bye
            now<|im_end|>

            """)
    }

    @Test func defaultSystemTurnOnlyBeforeTheFirstMessage() throws {
        let template = try ChatTemplate(source: Self.smolLM2Source)
        let rendered = try template.render(
            [ChatMessage(role: .assistant, content: "A"), ChatMessage(role: .system, content: "S")], addGenerationPrompt: false).text
        #expect(rendered == "<|im_start|>system\n\(Self.defaultSystem)<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n"
            + "<|im_start|>system\nS<|im_end|>\n")
        #expect(try template.render([], addGenerationPrompt: true).text == "<|im_start|>assistant\n")
        #expect(try template.render([], addGenerationPrompt: false).text == "")
    }

    @Test func acceptsPlainChatMLWithLayoutWhitespace() throws {
        let source = """
            {%- for message in messages %}
              {{- "<|im_start|>" + message.role + "\\n" + message.content + "<|im_end|>\\n" }}
            {%- endfor %}
            {%- if add_generation_prompt %}
              {{- "<|im_start|>assistant\\n" }}
            {%- endif %}

            """
        let template = try ChatTemplate(source: source)
        #expect(template.defaultSystemMessage == nil)
        #expect(try template.render([ChatMessage(role: .user, content: "x")], addGenerationPrompt: true).text
            == "<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test(arguments: [
        // Llama 3: bos_token, per-role conditions, text outside tags.
        "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}",
        "{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}{% endfor %}",
        "{% for message in messages %}User: {{ message['content'] }}\n{% endfor %}",
        "{% for message in messages %}{{ message['role'] }}{% endfor %}",
        "{% for message in messages %}{{ '<|im_start|>' + message['content'] }}",
        "{% for message in messages %}{{ 'unterminated + message['content'] }}{% endfor %}",
        "",
    ])
    func refusesTemplatesItDoesNotUnderstand(source: String) {
        #expect { try ChatTemplate(source: source) } throws: { error in
            guard case CPUError.unsupportedChatTemplate = error else { return false }
            return true
        }
    }

    @Test func readsTheTemplateFromGGUFMetadata() throws {
        var writer = GGUFTestWriter()
        writer.metadata = [("tokenizer.chat_template", .string(Self.smolLM2Source))]
        let template = try ChatTemplate(gguf: try GGUFFile(contentsOf: try writer.write()))
        #expect(template.source == Self.smolLM2Source)
        writer.metadata = []
        #expect { try ChatTemplate(gguf: try GGUFFile(contentsOf: try writer.write())) } throws: { error in
            String(describing: error).contains("tokenizer.chat_template")
        }
    }

    @Test(.enabled(if: TokenizerTestSupport.hasModel, "SmolLM2 is not in the model cache"))
    func smolLM2GGUFTemplateRendersAndTokenizes() throws {
        let file = try GGUFFile(contentsOf: try #require(TokenizerTestSupport.modelPath))
        let template = try ChatTemplate(gguf: file)
        #expect(template.defaultSystemMessage == Self.defaultSystem)
        let rendered = try template.render(
            [ChatMessage(role: .user, content: "What is the capital of France?")], addGenerationPrompt: true)
        let prompt = rendered.text
        // The reference fixture holds exactly this prompt, tokenized by the independent reference.
        let expected = try #require(TokenizerReferenceFixture.smolLM2.first { $0.text == prompt })
        let tokenizer = try #require(TokenizerTestSupport.smolLM2)
        #expect(tokenizer.encode(prompt) == expected.ids)
        // Tokenizing template text and message content apart gives the same tokens here.
        let codec = GGUFTextCodec(tokenizer: tokenizer, template: template, modelName: "smollm2", contentParsesSpecialTokens: false)
        #expect(codec.encode(rendered) == expected.ids)
    }
}
