extension Tokenizer {
    /// Token IDs for `text`. With `parseSpecial`, control and user-defined token texts in `text`
    /// (e.g. `<|im_start|>`) become those tokens; without, they are tokenized as plain text.
    /// Prepends BOS when the model asks for it (`tokenizer.ggml.add_bos_token`; SmolLM2 does not)
    /// and `atStart` (false for a piece that continues a prompt).
    public func encode(_ text: String, parseSpecial: Bool = true, atStart: Bool = true) -> [Int32] {
        encode(pieces: [(text, parseSpecial)], atStart: atStart)
    }

    /// Token IDs for text given in pieces, each saying whether control-token texts in it are
    /// those tokens. Special tokens are matched within a piece only; the plain text between
    /// them is then encoded as one run across piece boundaries, so splitting a prompt into
    /// template and message pieces changes nothing but which pieces may spell control tokens.
    /// BOS is prepended (when the model asks for it and `atStart`) unless the text already
    /// starts with it, as a chat template that prints `bos_token` does.
    public func encode(pieces: [(text: String, parseSpecial: Bool)], atStart: Bool = true) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(pieces.reduce(0) { $0 + $1.text.utf8.count } / 3 + 2)
        var cache: [Substring: [Int32]] = [:]
        var plain: [UInt8] = []
        for (text, parseSpecial) in pieces {
            let utf8 = Array(text.utf8)
            var segmentStart = 0
            var index = 0
            if parseSpecial && !specialTokensByFirstByte.isEmpty {
                while index < utf8.count {
                    if let candidates = specialTokensByFirstByte[utf8[index]],
                        let match = candidates.first(where: { Self.hasPrefix(utf8, at: index, $0.bytes) })
                    {
                        plain += utf8[segmentStart..<index]
                        encodeRun(&plain, cache: &cache, into: &output)
                        output.append(match.id)
                        index += match.bytes.count
                        segmentStart = index
                    } else {
                        index += 1
                    }
                }
            }
            plain += utf8[segmentStart..<utf8.count]
        }
        encodeRun(&plain, cache: &cache, into: &output)
        if atStart, addsBOSToken, let bosTokenID, output.first != bosTokenID { output.insert(bosTokenID, at: 0) }
        return output
    }

    /// Encodes and empties `plain` (text between special tokens).
    private func encodeRun(_ plain: inout [UInt8], cache: inout [Substring: [Int32]], into output: inout [Int32]) {
        if plain.isEmpty { return }
        switch model {
        case .bytePairs: encodePlain(plain[...], cache: &cache, into: &output)
        case .sentencePiece:
            // Every run starts the text or follows a special token: llama.cpp prefixes a space to both.
            encodeSentencePiece(plain, into: &output)
        }
        plain.removeAll(keepingCapacity: true)
    }

    static func hasPrefix(_ haystack: [UInt8], at start: Int, _ needle: [UInt8]) -> Bool {
        guard start + needle.count <= haystack.count else { return false }
        for offset in 0..<needle.count where haystack[start + offset] != needle[offset] { return false }
        return true
    }

    /// Pre-tokenizes and BPE-encodes text that holds no special tokens. Pieces repeat a lot in
    /// real prompts, so each distinct piece is encoded once per call.
    func encodePlain(_ utf8: ArraySlice<UInt8>, cache: inout [Substring: [Int32]], into output: inout [Int32]) {
        if utf8.isEmpty { return }
        // The slice starts and ends on scalar boundaries (special tokens are valid UTF-8).
        let text = String(decoding: utf8, as: UTF8.self)
        let scalars = Array(text.unicodeScalars)
        var scalarOffsets: [String.Index] = []
        scalarOffsets.reserveCapacity(scalars.count + 1)
        var position = text.unicodeScalars.startIndex
        while position != text.unicodeScalars.endIndex {
            scalarOffsets.append(position)
            position = text.unicodeScalars.index(after: position)
        }
        scalarOffsets.append(text.endIndex)
        for piece in preTokenizer.split(scalars) {
            let substring = text[scalarOffsets[piece.lowerBound]..<scalarOffsets[piece.upperBound]]
            if let known = cache[substring] {
                output.append(contentsOf: known)
                continue
            }
            var ids: [Int32] = []
            bytePairEncode(substring.utf8, into: &ids)
            cache[substring] = ids
            output.append(contentsOf: ids)
        }
    }

    /// The text of `ids`. Invalid UTF-8 (a sequence cut between tokens) becomes U+FFFD; use
    /// `StreamingDecoder` to emit text while tokens arrive. With `includeSpecial` off, control
    /// tokens are left out.
    public func decode(_ ids: [Int32], includeSpecial: Bool = true) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where includeSpecial || !isSpecial(id) {
            bytes.append(contentsOf: self.bytes(of: id))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
