import Foundation
import JITServePrediction
import Testing

@Suite struct PromptFeaturizerTests {
    /// Slot 12: the count a prompt asks for ("in 500 words"), as log1p; 0 when none.
    static func requested(_ text: String) -> Float {
        PromptFeaturizer.features(.text, promptText: text, promptTokenCount: 10, kind: nil)[12]
    }

    @Test func readsARequestedCountBeforeALengthUnit() {
        #expect(Self.requested("Write 500 words about cats") == Float(log1p(500.0)))
        #expect(Self.requested("Give me 10 WORDS, please") == Float(log1p(10.0)))
        // "500-word" counts (any non-word byte separates words); the largest count wins.
        #expect(Self.requested("a 500-word essay, not 300 words or 20 lines") == Float(log1p(500.0)))
        #expect(Self.requested("list 007 steps") == Float(log1p(7.0)))
    }

    @Test func ignoresNumbersNotFollowedByAUnit() {
        #expect(Self.requested("I have 500 apples and words") == 0)
        #expect(Self.requested("words 500") == 0)
        #expect(Self.requested("500 extraordinarily words") == 0)  // the unit must follow the number
        #expect(Self.requested("nothing to count here") == 0)
    }

    @Test func capsTheCountAndSkipsOverlongNumbers() {
        #expect(Self.requested("999999999999 words") == Float(log1p(100_000.0)))  // 12 digits: capped
        #expect(Self.requested("1234567890123 words") == 0)  // 13 digits: not read as a count
    }

    /// Word n-grams come from the first 64 words (with the 65th as the last bigram's partner)
    /// and the last 32: a word in between changes no n-gram bucket, one at either edge does.
    @Test func nGramsReadTheHeadAndTailWordsOnly() {
        func nGrams(_ words: [String]) -> ArraySlice<Float> {
            let vector = PromptFeaturizer.features(.text, promptText: words.joined(separator: " "), promptTokenCount: 300, kind: nil)
            return vector[PromptFeaturizer.structuralFeatureCount...]
        }
        let words = (0..<200).map { "w\($0)" }
        func replacing(_ k: Int) -> [String] { var w = words; w[k] = "replacement"; return w }
        #expect(nGrams(replacing(100)) == nGrams(words))
        #expect(nGrams(replacing(64)) != nGrams(words))
        #expect(nGrams(replacing(168)) != nGrams(words))
        #expect(nGrams(replacing(199)) != nGrams(words))
    }
}
