extension Tokenizer {
    /// The encoding algorithm of a vocabulary (`tokenizer.ggml.model`).
    enum Model: Sendable, Equatable {
        /// `gpt2`: byte-level BPE over pre-tokenized pieces, by merge rank.
        case bytePairs
        /// `llama`: SentencePiece BPE over the whole text, by token score, with byte fallback.
        case sentencePiece
    }

    /// SentencePiece's stand-in for a space, U+2581 "▁".
    static let spaceMarker: [UInt8] = [0xE2, 0x96, 0x81]

    /// `<0x0A>` → 0x0A.
    static func fallbackByte(_ spelling: String) -> UInt8? {
        guard spelling.count == 6, spelling.hasPrefix("<0x"), spelling.hasSuffix(">") else { return nil }
        return UInt8(spelling.dropFirst(3).prefix(2), radix: 16)
    }

    static func fallbackSpelling(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
    }

    /// A SentencePiece spelling's text: `▁` back to a space.
    static func unescapedSpaces(_ spelling: String) -> [UInt8] {
        let utf8 = Array(spelling.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            if index + 2 < utf8.count, utf8[index] == 0xE2, utf8[index + 1] == 0x96, utf8[index + 2] == 0x81 {
                out.append(0x20)
                index += 3
            } else {
                out.append(utf8[index])
                index += 1
            }
        }
        return out
    }

    /// Encodes text between special tokens as llama.cpp's SentencePiece tokenizer does: spaces
    /// become `▁` (with one prepended when the vocabulary asks for it), the text starts as one
    /// symbol per character, and the adjacent pair whose joined spelling is the best-scoring
    /// token merges first (leftmost on ties) until no pair joins to a token; a symbol left
    /// without a token falls back to its bytes' `<0xXX>` tokens.
    func encodeSentencePiece(_ utf8: [UInt8], into output: inout [Int32]) {
        var text: [UInt8] = addsSpacePrefix ? Self.spaceMarker : []
        for byte in utf8 { if byte == 0x20 { text += Self.spaceMarker } else { text.append(byte) } }
        // Symbols: one per UTF-8 character, as (start, length) with linked neighbours.
        var starts: [Int] = []
        var lengths: [Int] = []
        var index = 0
        while index < text.count {
            let lead = text[index]
            let width = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            starts.append(index)
            lengths.append(min(width, text.count - index))
            index += width
        }
        let count = starts.count
        if count == 0 { return }
        var next = Array(1...count)
        var previous = Array(-1..<(count - 1))
        var heap = BinaryHeap<ScoredMerge>()
        func spelling(_ left: Int, _ right: Int) -> ArraySlice<UInt8> {
            text[starts[left]..<(starts[right] + lengths[right])]
        }
        func consider(_ left: Int, _ right: Int) {
            guard left >= 0, right < count else { return }
            guard let token = idForSpelling[Array(spelling(left, right))] else { return }
            heap.push(.init(score: scores[Int(token)], left: left, right: right, length: lengths[left] + lengths[right]))
        }
        for i in 0..<(count - 1) { consider(i, i + 1) }
        while let pair = heap.pop() {
            // Stale entries: a side already merged away or grown since the entry was made.
            guard lengths[pair.left] > 0, lengths[pair.right] > 0, next[pair.left] == pair.right,
                lengths[pair.left] + lengths[pair.right] == pair.length
            else { continue }
            lengths[pair.left] += lengths[pair.right]
            lengths[pair.right] = 0
            next[pair.left] = next[pair.right]
            if next[pair.right] < count { previous[next[pair.right]] = pair.left }
            consider(previous[pair.left], pair.left)
            consider(pair.left, next[pair.left])
        }
        var symbol = 0
        while symbol < count {
            let piece = Array(text[starts[symbol]..<(starts[symbol] + lengths[symbol])])
            if let token = idForSpelling[piece] {
                output.append(token)
            } else {
                for byte in piece where byteTokens[Int(byte)] >= 0 { output.append(byteTokens[Int(byte)]) }
            }
            symbol = next[symbol]
        }
    }

    /// A merge candidate of SentencePiece BPE: highest score first, then leftmost.
    struct ScoredMerge: HeapOrdered {
        var score: Float
        var left: Int
        var right: Int
        var length: Int

        func precedes(_ other: ScoredMerge) -> Bool {
            score > other.score || (score == other.score && left < other.left)
        }
    }

}
