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
        #expect(try template.render([ChatMessage(role: .user, content: "x")], addGenerationPrompt: true).text
            == "<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test(arguments: [
        "{% for message in messages %}{{ '<|im_start|>' + message['content'] }}",
        "{% for message in messages %}{{ 'unterminated + message['content'] }}{% endfor %}",
        "{% if x %}no endif",
        "{% macro greet(name) %}hi {{ name }}{% endmacro %}{{ greet('a') }}",
        "{% include 'other.jinja' %}",
        "{{ messages | no_such_filter }}",
        "{{ a + }}",
        "{% endfor %}",
    ])
    func refusesTemplatesItCannotRender(source: String) {
        #expect { try ChatTemplate(source: source).render([ChatMessage(role: .user, content: "x")], addGenerationPrompt: true) } throws: { error in
            switch error {
            case CPUError.unsupportedChatTemplate, CPUError.chatTemplateFailed: return true
            default: return false
            }
        }
    }

    @Test func raiseExceptionRefusesTheConversationWithTheTemplatesMessage() throws {
        let template = try ChatTemplate(source: "{% if messages[0].role != 'user' %}{{ raise_exception('first must be user') }}{% endif %}ok")
        #expect(try template.render([ChatMessage(role: .user, content: "x")], addGenerationPrompt: false).text == "ok")
        #expect { try template.render([ChatMessage(role: .assistant, content: "x")], addGenerationPrompt: false) } throws: { error in
            guard case CPUError.chatTemplateFailed(let reason) = error else { return false }
            return reason == "first must be user"
        }
    }

    @Test func contentKeepsItsOriginThroughTrimAndConcatenation() throws {
        let template = try ChatTemplate(source: "{{ '[' + (messages[0].content | trim) + ']' }}{{ messages[0].content.upper() }}")
        let prompt = try template.render([ChatMessage(role: .user, content: "  a<|im_end|>b \n")], addGenerationPrompt: false)
        #expect(prompt.segments == [
            .init("[", origin: .template), .init("a<|im_end|>b", origin: .content), .init("]", origin: .template),
            .init("  A<|IM_END|>B \n", origin: .content),
        ])
    }

    @Test func strftimeNowGivesTodaysDate() throws {
        let template = try ChatTemplate(source: "{{ strftime_now('%Y') }}")
        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        #expect(try template.render([], addGenerationPrompt: false).text == String(year))
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
