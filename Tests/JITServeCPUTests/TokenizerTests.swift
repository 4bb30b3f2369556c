import Foundation
import JITServeCPU
import JITServeCore
import Testing

@Suite("Tokenizer")
struct TokenizerTests {
    @Test(arguments: TokenizerReferenceFixture.synthetic.indices)
    func matchesReferenceOnSyntheticVocabulary(index: Int) {
        let expected = TokenizerReferenceFixture.synthetic[index]
        let tokenizer = TokenizerTestSupport.synthetic
        #expect(tokenizer.encode(expected.text, parseSpecial: expected.parseSpecial) == expected.ids, "\(expected.text.debugDescription)")
        #expect(tokenizer.decode(expected.ids) == expected.text.replacingOccurrences(of: "\u{4}", with: ""))
    }

    @Test(.enabled(if: TokenizerTestSupport.hasModel, "SmolLM2 is not in the model cache"),
          arguments: TokenizerReferenceFixture.smolLM2.indices)
    func matchesReferenceOnSmolLM2(index: Int) throws {
        let expected = TokenizerReferenceFixture.smolLM2[index]
        let tokenizer = try #require(TokenizerTestSupport.smolLM2)
        #expect(tokenizer.encode(expected.text, parseSpecial: expected.parseSpecial) == expected.ids, "\(expected.text.debugDescription)")
        #expect(tokenizer.decode(expected.ids) == expected.text.replacingOccurrences(of: "\u{4}", with: ""))
    }

    @Test(.enabled(if: TokenizerTestSupport.hasModel, "SmolLM2 is not in the model cache"))
    func smolLM2SpecialTokens() throws {
        let tokenizer = try #require(TokenizerTestSupport.smolLM2)
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.eosTokenID == 2)
        #expect(tokenizer.tokenTexts[2] == "<|im_end|>")
        #expect(tokenizer.isSpecial(1) && tokenizer.isSpecial(0) && !tokenizer.isSpecial(100))
        #expect(!tokenizer.isSpecial(-1) && !tokenizer.isSpecial(49152))
        #expect(!tokenizer.addsBOSToken)
        #expect(tokenizer.decode([1, 882, 2], includeSpecial: false) == tokenizer.decode([882]))
    }

    @Test func roundTripsRandomUnicode() throws {
        var generator = SplitMix64(seed: 7)
        var tokenizers = [TokenizerTestSupport.synthetic]
        if let real = TokenizerTestSupport.smolLM2 { tokenizers.append(real) }
        for tokenizer in tokenizers {
            for round in 0..<150 {
                let text = TokenizerTestSupport.randomText(&generator, length: Int(generator.next() % 80) + 1)
                for parseSpecial in [true, false] {
                    let ids = tokenizer.encode(text, parseSpecial: parseSpecial)
                    #expect(tokenizer.decode(ids) == text, "round \(round): \(text.debugDescription)")
                    #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabularySize })
                }
            }
        }
    }

    @Test func parseSpecialControlsSpecialTokenMatching() {
        let tokenizer = TokenizerTestSupport.synthetic
        let text = "<|im_start|>user<|im_end|>"
        let parsed = tokenizer.encode(text)
        #expect(parsed.first == 1 && parsed.last == 2)
        let plain = tokenizer.encode(text, parseSpecial: false)
        #expect(!plain.contains(where: tokenizer.isSpecial))
        #expect(tokenizer.decode(plain) == text)
        #expect(tokenizer.encode("") == [])
    }

    @Test func longInputRoundTrips() {
        var generator = SplitMix64(seed: 11)
        var text = ""
        while text.utf8.count < 40_000 { text += TokenizerTestSupport.randomText(&generator, length: 200) + "\n" }
        let tokenizer = TokenizerTestSupport.smolLM2 ?? TokenizerTestSupport.synthetic
        let ids = tokenizer.encode(text)
        #expect(ids.count > 8_000)
        #expect(tokenizer.decode(ids) == text)
    }

    @Test func buildsFromAGGUFFile() throws {
        var writer = GGUFTestWriter()
        writer.metadata = TokenizerTestSupport.syntheticMetadata().sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let tokenizer = try Tokenizer(gguf: try GGUFFile(contentsOf: try writer.write()))
        let expected = TokenizerReferenceFixture.synthetic[0]
        #expect(tokenizer.encode(expected.text) == expected.ids)
    }

    @Test func rejectsBadMetadata() {
        func expectError(_ change: (inout [String: GGUFValue]) -> Void, mentioning fragment: String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
            var metadata = TokenizerTestSupport.syntheticMetadata()
            change(&metadata)
            do {
                _ = try Tokenizer(metadata: metadata)
                Issue.record("expected an error mentioning \(fragment)", sourceLocation: sourceLocation)
            } catch {
                #expect(String(describing: error).contains(fragment), "\(error)", sourceLocation: sourceLocation)
            }
        }
        expectError({ $0["tokenizer.ggml.tokens"] = nil }, mentioning: "tokenizer.ggml.tokens")
        expectError({ $0["tokenizer.ggml.tokens"] = .array([]) }, mentioning: "tokenizer.ggml.tokens")
        expectError({ $0["tokenizer.ggml.model"] = .string("bert") }, mentioning: "'bert'")
        // A SentencePiece vocabulary needs its merge scores.
        expectError({ $0["tokenizer.ggml.model"] = .string("llama") }, mentioning: "tokenizer.ggml.scores")
        expectError({ $0["tokenizer.ggml.pre"] = .string("falcon") }, mentioning: "'falcon'")
        expectError({ $0["tokenizer.ggml.merges"] = .array([.string("Ġ zzz")]) }, mentioning: "tokenizer.ggml.merges")
        expectError({ $0["tokenizer.ggml.merges"] = .array([.string("nospace")]) }, mentioning: "entry 0")
        expectError({ $0["tokenizer.ggml.token_type"] = .array([.int32(1)]) }, mentioning: "tokenizer.ggml.token_type")
        expectError({ $0["tokenizer.ggml.eos_token_id"] = nil }, mentioning: "eos_token_id")
        expectError({ $0["tokenizer.ggml.eos_token_id"] = .uint32(1_000_000) }, mentioning: "eos_token_id")
        expectError({ metadata in
            metadata["tokenizer.ggml.tokens"] = .array(["<s>", "hello", "world"].map { .string($0) })
            metadata["tokenizer.ggml.token_type"] = nil
            metadata["tokenizer.ggml.merges"] = .array([])
        }, mentioning: "single-byte")
    }
}
