extension Tokenizer.PreTokenizer {
    /// Llama 3's pre-tokenizer pattern,
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    /// (with `\p{N}` alone for Qwen 2), matched alternative by alternative in order at each
    /// position, as the regex engine would.
    static func splitLlama3(
        _ scalars: [Unicode.Scalar], _ classes: [CharacterClass], digitRun: Int, into pieces: inout [Range<Int>]
    ) {
        let end = scalars.count
        func isNewline(_ index: Int) -> Bool { scalars[index] == "\r" || scalars[index] == "\n" }
        func run(from start: Int, limit: Int = Int.max, while predicate: (Int) -> Bool) -> Int {
            var j = start
            while j < end, j - start < limit, predicate(j) { j += 1 }
            return j
        }
        var i = 0
        while i < end {
            let current = classes[i]
            // 's 't 're 've 'm 'll 'd, any case.
            if scalars[i] == "'", let length = caseInsensitiveContractionLength(scalars, at: i) {
                pieces.append(i..<(i + length))
                i += length
                continue
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if current == .letter {
                let stop = run(from: i) { classes[$0] == .letter }
                pieces.append(i..<stop)
                i = stop
                continue
            }
            if current != .number, !isNewline(i), i + 1 < end, classes[i + 1] == .letter {
                let stop = run(from: i + 1) { classes[$0] == .letter }
                pieces.append(i..<stop)
                i = stop
                continue
            }
            // \p{N}{1,digitRun}
            if current == .number {
                let stop = run(from: i, limit: digitRun) { classes[$0] == .number }
                pieces.append(i..<stop)
                i = stop
                continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            let symbolStart = scalars[i] == " " && i + 1 < end && classes[i + 1] == .other ? i + 1 : i
            if classes[symbolStart] == .other {
                var stop = run(from: symbolStart) { classes[$0] == .other }
                stop = run(from: stop) { isNewline($0) }
                pieces.append(i..<stop)
                i = stop
                continue
            }
            // Whitespace from here on.
            let whitespaceEnd = run(from: i) { classes[$0] == .whitespace }
            // \s*[\r\n]+ : the longest stretch of the run that ends with a newline.
            if let lastNewline = (i..<whitespaceEnd).last(where: isNewline) {
                pieces.append(i..<(lastNewline + 1))
                i = lastNewline + 1
                continue
            }
            // \s+(?!\S) then \s+ : a run followed by text leaves its last character to lead it.
            if whitespaceEnd < end, whitespaceEnd - i > 1 {
                pieces.append(i..<(whitespaceEnd - 1))
                i = whitespaceEnd - 1
            } else {
                pieces.append(i..<whitespaceEnd)
                i = whitespaceEnd
            }
        }
    }

    /// Length of `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll` or `'d` (any letter case) at `index`.
    static func caseInsensitiveContractionLength(_ scalars: [Unicode.Scalar], at index: Int) -> Int? {
        func lower(_ offset: Int) -> Unicode.Scalar? {
            guard index + offset < scalars.count else { return nil }
            let scalar = scalars[index + offset]
            return scalar.isASCII ? Unicode.Scalar(UInt8(ascii: scalar) | 0x20) : scalar
        }
        switch lower(1) {
        case "s", "t", "m", "d": return 2
        case "r": return lower(2) == "e" ? 3 : nil
        case "v": return lower(2) == "e" ? 3 : nil
        case "l": return lower(2) == "l" ? 3 : nil
        default: return nil
        }
    }
}
