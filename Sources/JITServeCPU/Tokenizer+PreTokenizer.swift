extension Tokenizer {
    /// How text is cut into pieces before BPE (`tokenizer.ggml.pre`).
    enum PreTokenizer: Sendable {
        /// GPT-2's split: contractions, letter runs, number runs, other-symbol runs (each with an
        /// optional leading space) and whitespace runs.
        case gpt2
        /// Every numeric character on its own first, then the GPT-2 split on the text between
        /// (StarCoder's tokenizer, which SmolLM uses; llama.cpp names it `smollm`, `starcoder`, …).
        case isolatedDigitsThenGPT2
        /// Llama 3's split (llama.cpp's `llama-bpe`): case-insensitive contractions, letter runs
        /// led by one non-letter non-digit, digit runs of at most `digitRun` (3; Qwen 2's
        /// variant, `qwen2`, takes 1), symbol runs with trailing newlines, newline runs.
        case llama3(digitRun: Int)

        static let supportedNames = [
            "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva", "gpt2", "mpt", "olmo",
            "jais", "llama-bpe", "llama3", "llama-v3", "qwen2", "deepseek-r1-qwen",
        ]

        init(ggmlName: String) throws {
            switch ggmlName {
            case "gpt2", "mpt", "olmo", "jais":
                self = .gpt2
            case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva":
                self = .isolatedDigitsThenGPT2
            case "llama-bpe", "llama3", "llama-v3":
                self = .llama3(digitRun: 3)
            case "qwen2", "deepseek-r1-qwen":
                self = .llama3(digitRun: 1)
            default:
                throw CPUError.invalidTokenizer(
                    reason: "tokenizer.ggml.pre '\(ggmlName)' is not supported (supported: "
                        + Self.supportedNames.joined(separator: ", ") + ")")
            }
        }

        /// Character classes the split rules test.
        enum CharacterClass: UInt8 {
            case letter, number, whitespace, other
        }

        static func classify(_ scalar: Unicode.Scalar) -> CharacterClass {
            if scalar.isASCII {
                switch scalar.value {
                case 0x41...0x5A, 0x61...0x7A: return .letter
                case 0x30...0x39: return .number
                case 0x09...0x0D, 0x20: return .whitespace
                default: return .other
                }
            }
            let properties = scalar.properties
            switch properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                return .letter
            case .decimalNumber, .letterNumber, .otherNumber:
                return .number
            default:
                return properties.isWhitespace ? .whitespace : .other
            }
        }

        /// Splits `scalars` into pieces, returned as half-open index ranges in order.
        func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
            let classes = scalars.map(Self.classify)
            var pieces: [Range<Int>] = []
            pieces.reserveCapacity(scalars.count / 3 + 1)
            switch self {
            case .gpt2:
                Self.splitGPT2(scalars, classes, 0..<scalars.count, into: &pieces)
            case .isolatedDigitsThenGPT2:
                var start = 0
                for index in 0..<scalars.count where classes[index] == .number {
                    Self.splitGPT2(scalars, classes, start..<index, into: &pieces)
                    pieces.append(index..<(index + 1))
                    start = index + 1
                }
                Self.splitGPT2(scalars, classes, start..<scalars.count, into: &pieces)
            case .llama3(let digitRun):
                Self.splitLlama3(scalars, classes, digitRun: digitRun, into: &pieces)
            }
            return pieces
        }

        /// GPT-2's pattern, `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
        /// applied to one chunk; lookahead never sees past the chunk's end.
        static func splitGPT2(
            _ scalars: [Unicode.Scalar], _ classes: [CharacterClass], _ chunk: Range<Int>, into pieces: inout [Range<Int>]
        ) {
            let end = chunk.upperBound
            var i = chunk.lowerBound
            func run(from start: Int, while predicate: (CharacterClass) -> Bool) -> Int {
                var j = start
                while j < end, predicate(classes[j]) { j += 1 }
                return j
            }
            while i < end {
                let scalar = scalars[i]
                if scalar == "'", let length = contractionLength(scalars, at: i, end: end) {
                    pieces.append(i..<(i + length))
                    i += length
                    continue
                }
                // A single ASCII space may lead a letter, number or symbol run.
                let bodyStart = (scalar == " " && i + 1 < end && classes[i + 1] != .whitespace) ? i + 1 : i
                let bodyClass = classes[bodyStart]
                if bodyClass != .whitespace {
                    let stop: Int
                    switch bodyClass {
                    case .letter: stop = run(from: bodyStart) { $0 == .letter }
                    case .number: stop = run(from: bodyStart) { $0 == .number }
                    default: stop = run(from: bodyStart) { $0 == .other }
                    }
                    pieces.append(i..<stop)
                    i = stop
                    continue
                }
                // Whitespace: the run, less its last character when more text follows it in this
                // chunk (that character then leads the next piece), unless the run is one long.
                let stop = run(from: i) { $0 == .whitespace }
                if stop < end, stop - i > 1 {
                    pieces.append(i..<(stop - 1))
                    i = stop - 1
                } else {
                    pieces.append(i..<stop)
                    i = stop
                }
            }
        }

        /// Length of a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at `index`, if any.
        static func contractionLength(_ scalars: [Unicode.Scalar], at index: Int, end: Int) -> Int? {
            guard index + 1 < end else { return nil }
            switch scalars[index + 1] {
            case "s", "t", "m", "d": return 2
            case "r", "v", "l":
                guard index + 2 < end else { return nil }
                let pair = (scalars[index + 1], scalars[index + 2])
                if pair == ("r", "e") || pair == ("v", "e") || pair == ("l", "l") { return 3 }
                return nil
            default: return nil
            }
        }
    }
}
