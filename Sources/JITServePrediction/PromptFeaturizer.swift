import Foundation
import JITServeCore

/// Which inputs a forest was trained on. A request replayed from a trace may carry only its
/// prompt's token count, so the predictor keeps one forest per set and uses the richest it can.
public enum PromptFeatureSet: UInt8, CaseIterable, Sendable {
    /// Prompt text cues, hashed word n-grams, token count and SLO kind.
    case text = 1
    /// Prompt token count and SLO kind only.
    case tokenCount = 2
}

/// Turns a prompt into the dense `Float` vector the forest splits on.
///
/// Layout for `.text`: 16 structural features, then presence bits of hashed word unigrams (128
/// buckets) and bigrams (128 buckets) over the prompt's first 64 and last 32 words (where the
/// instruction usually sits; a long pasted document would otherwise light up every bucket), then
/// 32 buckets for the first word ("write", "explain", "translate", …).
public enum PromptFeaturizer {
    public static let structuralFeatureCount = 16
    public static let unigramBucketCount = 128
    public static let bigramBucketCount = 128
    public static let leadWordBucketCount = 32
    static let headWordCount = 64
    static let tailWordCount = 32

    /// Words that, preceded by a number, state how long the answer should be ("in 500 words").
    static let lengthUnits: Set<String> = [
        "word", "words", "sentence", "sentences", "paragraph", "paragraphs", "line", "lines",
        "point", "points", "item", "items", "example", "examples", "idea", "ideas", "question",
        "questions", "tip", "tips", "step", "steps", "page", "pages", "slide", "slides",
    ]

    /// The FNV-1a hashes of `lengthUnits`, as the word scan hashes a word (ASCII lower-cased).
    static let lengthUnitHashes = Set(lengthUnits.map(FNV1a.hash64))

    /// Length of the feature vector of `set`.
    public static func featureCount(_ set: PromptFeatureSet) -> Int {
        switch set {
        case .text: structuralFeatureCount + unigramBucketCount + bigramBucketCount + leadWordBucketCount
        case .tokenCount: 2
        }
    }

    /// The numeric code of an SLO kind (0 when unknown, as in training data without one).
    public static func kindCode(_ kind: SLOKind?) -> Float {
        switch kind {
        case nil: 0
        case .latency: 1
        case .deadline: 2
        case .compound: 3
        }
    }

    /// The features of one prompt. `promptText` is ignored for `.tokenCount`.
    public static func features(
        _ set: PromptFeatureSet, promptText: String?, promptTokenCount: Int, kind: SLOKind?
    ) -> [Float] {
        let tokens = Float(log1p(Double(max(0, promptTokenCount))))
        switch set {
        case .tokenCount:
            return [tokens, kindCode(kind)]
        case .text:
            var vector = [Float](repeating: 0, count: featureCount(.text))
            vector[0] = tokens
            vector[11] = kindCode(kind)
            fillText(promptText ?? "", promptTokenCount: promptTokenCount, into: &vector)
            return vector
        }
    }

    // Structural slots: 0 tokens, 1 bytes, 2 lines, 3 words, 4 code fences, 5 list lines,
    // 6 question marks, 7 non-ASCII share, 8 digit share, 9 upper-case share, 10 ends with "?",
    // 11 SLO kind, 12 requested count ("500 words"), 13 mean word length, 14 tokens per byte,
    // 15 code punctuation share.
    private static func fillText(_ text: String, promptTokenCount: Int, into vector: inout [Float]) {
        var text = text  // `withUTF8` reads a native string's bytes in place, without a copy
        text.withUTF8 { fillText(bytes: $0, promptTokenCount: promptTokenCount, into: &vector) }
    }

    private static func fillText(bytes: UnsafeBufferPointer<UInt8>, promptTokenCount: Int, into vector: inout [Float]) {
        let n = bytes.count
        var lines = n > 0 ? 1 : 0, fences = 0, listLines = 0, questions = 0
        var nonASCII = 0, digits = 0, upper = 0, codePunct = 0
        var atLineStart = true
        var words = WordHashes()
        // The length-unit cue needs only the word before: its value when it is a number.
        var previousCount: Double?
        var wordLengthSum = 0, requested = 0.0
        var i = 0
        var lastNonSpace: UInt8 = 0
        while i < n {
            let b = bytes[i]
            if b == 10 { lines += 1; atLineStart = true; i += 1; continue }
            if b != 32 && b != 9 && b != 13 { lastNonSpace = b }
            if atLineStart && b != 32 && b != 9 {
                atLineStart = false
                if (b == 45 || b == 42) && i + 1 < n && bytes[i + 1] == 32 { listLines += 1 }
                if isDigit(b) {
                    var j = i
                    while j < n && isDigit(bytes[j]) { j += 1 }
                    if j < n && (bytes[j] == 46 || bytes[j] == 41) { listLines += 1 }
                }
            }
            if b == 96 && i + 2 < n && bytes[i + 1] == 96 && bytes[i + 2] == 96 { fences += 1; i += 3; continue }
            if b == 63 { questions += 1 }
            if b == 123 || b == 125 || b == 59 || b == 61 || b == 60 || b == 62 { codePunct += 1 }
            if isWordByte(b) {
                var j = i
                var hash = FNV1a.offsetBasis
                var allDigits = true
                while j < n && isWordByte(bytes[j]) {
                    let c = bytes[j]
                    if !isDigit(c) { allDigits = false }
                    hash = (hash ^ UInt64(c >= 65 && c <= 90 ? c + 32 : c)) &* FNV1a.prime
                    if c >= 0x80 { nonASCII += 1 } else if isDigit(c) { digits += 1 } else if c >= 65 && c <= 90 { upper += 1 }
                    j += 1
                }
                let length = j - i
                wordLengthSum += length
                words.append(hash)
                // A word becomes a String only when its hash names a length unit: most prompts
                // have none, and a String per word was most of a long prompt's cost.
                if let count = previousCount, length <= 12, lengthUnitHashes.contains(hash),
                   lengthUnits.contains(String(decoding: bytes[i..<j], as: UTF8.self).lowercased()) {
                    requested = max(requested, min(count, 100_000))
                }
                previousCount = allDigits && length <= 12
                    ? bytes[i..<j].reduce(0.0) { $0 * 10 + Double($1 - 48) } : nil
                i = j
                continue
            }
            i += 1
        }
        let bytesF = Double(max(1, n))
        vector[1] = Float(log1p(Double(n)))
        vector[2] = Float(log1p(Double(lines)))
        vector[3] = Float(log1p(Double(words.count)))
        vector[4] = Float(fences)
        vector[5] = Float(log1p(Double(listLines)))
        vector[6] = Float(log1p(Double(questions)))
        vector[7] = Float(Double(nonASCII) / bytesF)
        vector[8] = Float(Double(digits) / bytesF)
        vector[9] = Float(Double(upper) / bytesF)
        vector[10] = lastNonSpace == 63 ? 1 : 0
        vector[12] = Float(log1p(requested))
        vector[13] = words.isEmpty ? 0 : Float(Double(wordLengthSum) / Double(words.count))
        vector[14] = n == 0 ? 0 : Float(Double(promptTokenCount) / bytesF)
        vector[15] = Float(Double(codePunct) / bytesF)
        fillNGrams(words, into: &vector)
    }

    /// The word hashes the n-gram features read: the first `headWordCount + 1` (the last head
    /// bigram's second word) and the last `tailWordCount`, and how many there were. A pasted
    /// document's thousands of words in between are counted, never stored.
    struct WordHashes {
        private(set) var count = 0
        private var head: [UInt64] = []
        private var tail = [UInt64](repeating: 0, count: PromptFeaturizer.tailWordCount)

        var isEmpty: Bool { count == 0 }

        mutating func append(_ hash: UInt64) {
            if head.count <= PromptFeaturizer.headWordCount { head.append(hash) }
            tail[count % PromptFeaturizer.tailWordCount] = hash
            count += 1
        }

        /// Word `k`: one of the first `headWordCount + 1` or of the last `tailWordCount`.
        subscript(k: Int) -> UInt64 {
            precondition(k < head.count || (k >= count - PromptFeaturizer.tailWordCount && k < count), "word \(k) not kept")
            return k < head.count ? head[k] : tail[k % PromptFeaturizer.tailWordCount]
        }
    }

    private static func fillNGrams(_ words: WordHashes, into vector: inout [Float]) {
        guard !words.isEmpty else { return }
        let unigramBase = structuralFeatureCount
        let bigramBase = unigramBase + unigramBucketCount
        let leadBase = bigramBase + bigramBucketCount
        vector[leadBase + Int(mix(words[0]) % UInt64(leadWordBucketCount))] = 1
        func visit(_ k: Int) {
            vector[unigramBase + Int(mix(words[k]) % UInt64(unigramBucketCount))] = 1
            if k + 1 < words.count {
                let pair = mix(words[k] &* 31 ^ words[k + 1])
                vector[bigramBase + Int(pair % UInt64(bigramBucketCount))] = 1
            }
        }
        let head = min(words.count, headWordCount)
        for k in 0..<head { visit(k) }
        for k in max(head, words.count - tailWordCount)..<words.count { visit(k) }
    }

    /// A final avalanche so that small bucket counts use all of the hash's bits.
    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 33)) &* 0xff51_afd7_ed55_8ccd
        z = (z ^ (z >> 33)) &* 0xc4ce_b9fe_1a85_ec53
        return z ^ (z >> 33)
    }

    @inline(__always) private static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    @inline(__always) private static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b >= 0x80
    }
}
