import JITServeCore
import Testing

@testable import JITServeLoad

/// Prompts come out at exactly the length asked, in the server's own tokens.
@Suite struct PromptFactoryTests {
    /// One token per whitespace-separated word, IDs from the word's length (a stand-in for a
    /// server's tokenizer with a different characters-per-token ratio from bytes).
    struct WordTokenizer: PromptTokenizer {
        func tokenize(_ text: String) async throws -> [Int32] {
            text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Int32($0.count) }
        }
    }

    struct ByteTokenizer: PromptTokenizer {
        func tokenize(_ text: String) async throws -> [Int32] { text.utf8.map { Int32($0) } }
    }

    static let texts = (0..<50).map { "Paragraph \($0): the quick brown fox jumps over the lazy dog, again and again — déjà vu." }

    @Test(arguments: [1, 7, 40, 900])
    func textlessPromptsAreSlicesOfTheTokenizedCorpus(count: Int) async throws {
        let factory = try await PromptFactory.make(texts: Self.texts, tokenizer: ByteTokenizer())
        guard case .tokens(let ids) = factory.tokens(count: count, seed: 12345) else {
            Issue.record("expected token IDs")
            return
        }
        #expect(ids.count == count)
        #expect(ids.allSatisfy { $0 >= 0x20 && $0 < 0x7F || $0 == 0x0A }, "the corpus keeps ASCII text only")
        #expect(factory.tokens(count: count, seed: 12345) == .tokens(ids), "the same seed, the same prompt")
    }

    @Test(arguments: [3, 12, 30, 200])
    func textPromptsAreCutOrExtendedToTheTokenCount(count: Int) async throws {
        for tokenizer in [WordTokenizer() as any PromptTokenizer, ByteTokenizer()] {
            let factory = try await PromptFactory.make(texts: Self.texts, tokenizer: tokenizer)
            let question = "Explain why the sky is blue in simple words for a child"
            guard case .text(let text) = try await factory.text(question, tokenCount: count, seed: 9) else {
                Issue.record("expected text")
                return
            }
            let tokens = try await tokenizer.tokenize(text).count
            #expect(tokens == count, "\(type(of: tokenizer)): \(tokens) tokens for \(count) asked")
            // The request's own text comes first.
            #expect(text.hasPrefix(String(question.prefix(min(question.count, text.count)))))
        }
    }

    @Test func withoutATokenizerLengthsAreEstimated() async throws {
        let factory = try await PromptFactory.make(texts: Self.texts, tokenizer: nil)
        #expect(!factory.isExact)
        guard case .text(let text) = factory.tokens(count: 50, seed: 1) else {
            Issue.record("expected text")
            return
        }
        #expect(text.utf8.count == 50 * PromptFactory.fallbackCharactersPerToken)
    }
}
