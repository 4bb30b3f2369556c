/// A tokenizer built from a GGUF's metadata: byte-level BPE (GPT-2 style, `tokenizer.ggml.model`
/// = `gpt2`: SmolLM2, Llama 3, Qwen 2) with the merges and the pre-tokenizer named by
/// `tokenizer.ggml.pre`, or SentencePiece BPE (`llama`: Llama 2, Mistral) with token scores and
/// byte fallback; vocabulary, token types and special-token IDs either way. For byte-level BPE, Encoding then decoding returns any UTF-8 text unchanged, except bytes the
/// vocabulary has no token for, which are dropped as the reference implementations drop them
/// (SmolLM2 lacks six ASCII control characters: 0x04, 0x06, 0x13, 0x14, 0x16, 0x1D).
public struct Tokenizer: Sendable {
    /// What each vocabulary entry is, from `tokenizer.ggml.token_type`.
    public enum TokenType: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// Vocabulary spelling of each token (byte-level alphabet for normal tokens).
    public let tokenTexts: [String]
    /// Raw bytes each token decodes to.
    let tokenBytes: [[UInt8]]
    public let tokenTypes: [TokenType]
    /// Token for each single byte (-1 when the vocabulary has none), the starting point of BPE.
    let byteTokens: [Int32]
    let merges: [UInt64: Merge]
    let preTokenizer: PreTokenizer
    /// Which algorithm encodes text.
    let model: Model
    /// SentencePiece: each token's merge score (higher merges first), and the token of each
    /// vocabulary spelling (`▁` for spaces).
    let scores: [Float]
    let idForSpelling: [[UInt8]: Int32]
    /// SentencePiece: a space is prepended to text at the start and after a control token.
    let addsSpacePrefix: Bool
    /// Control and user-defined tokens matched verbatim in text when `parseSpecial` is on,
    /// grouped by first byte, longest first.
    let specialTokensByFirstByte: [UInt8: [(bytes: [UInt8], id: Int32)]]

    public let eosTokenID: Int32
    /// Tokens that end an answer: EOS, and the end-of-turn/end-of-message tokens when set.
    public let stopTokenIDs: [Int32]
    public let bosTokenID: Int32?
    /// Whether prompts should start with the BOS token (`tokenizer.ggml.add_bos_token`).
    public let addsBOSToken: Bool

    public var vocabularySize: Int { tokenTexts.count }

    /// Builds the tokenizer from `gguf`'s `tokenizer.*` metadata, or throws naming the key at fault.
    public init(gguf: GGUFFile) throws {
        try self.init(metadata: gguf.metadata)
    }

    /// Builds the tokenizer from GGUF-style metadata (the `tokenizer.*` keys).
    public init(metadata: [String: GGUFValue]) throws {
        func require(_ key: String) throws -> GGUFValue {
            guard let value = metadata[key] else { throw CPUError.missingMetadata(key: key) }
            return value
        }
        guard let model = try require("tokenizer.ggml.model").string else {
            throw CPUError.invalidMetadata(key: "tokenizer.ggml.model", reason: "not a string")
        }
        switch model {
        case "gpt2": self.model = .bytePairs
        case "llama": self.model = .sentencePiece
        default:
            throw CPUError.invalidTokenizer(
                reason: "tokenizer.ggml.model is '\(model)'; supported: 'gpt2' (byte-level BPE: SmolLM2, Llama 3, "
                    + "Qwen 2) and 'llama' (SentencePiece BPE: Llama 2, Mistral)")
        }
        let preName = metadata["tokenizer.ggml.pre"]?.string ?? "gpt2"
        preTokenizer = self.model == .bytePairs ? try PreTokenizer(ggmlName: preName) : .gpt2

        guard let tokenValues = try require("tokenizer.ggml.tokens").array, !tokenValues.isEmpty else {
            throw CPUError.invalidMetadata(key: "tokenizer.ggml.tokens", reason: "not a non-empty array")
        }
        var texts: [String] = []
        texts.reserveCapacity(tokenValues.count)
        for (index, value) in tokenValues.enumerated() {
            guard let text = value.string else {
                throw CPUError.invalidMetadata(key: "tokenizer.ggml.tokens", reason: "entry \(index) is not a string")
            }
            texts.append(text)
        }
        tokenTexts = texts

        var types = [TokenType](repeating: .normal, count: texts.count)
        if let typeValues = metadata["tokenizer.ggml.token_type"] {
            guard let array = typeValues.array, array.count == texts.count else {
                throw CPUError.invalidMetadata(
                    key: "tokenizer.ggml.token_type", reason: "must be an array of \(texts.count) integers")
            }
            for (index, value) in array.enumerated() {
                guard let raw = value.int, let type = TokenType(rawValue: Int32(clamping: raw)) else {
                    throw CPUError.invalidMetadata(
                        key: "tokenizer.ggml.token_type", reason: "entry \(index) is \(value), not a token type 0…6")
                }
                types[index] = type
            }
        }
        tokenTypes = types

        var bytes: [[UInt8]] = []
        bytes.reserveCapacity(texts.count)
        // Keyed by the spelling's UTF-8 bytes: hashing a Swift string normalises non-ASCII text
        // (most byte-level spellings), byte arrays hash as they are.
        var idForText: [[UInt8]: Int32] = [:]
        idForText.reserveCapacity(texts.count)
        for (index, text) in texts.enumerated() {
            let isVerbatim = types[index] == .control || types[index] == .userDefined
            switch self.model {
            case .bytePairs:
                bytes.append(isVerbatim ? Array(text.utf8) : (ByteLevel.bytes(ofToken: text) ?? Array(text.utf8)))
            case .sentencePiece:
                bytes.append(types[index] == .byte ? Self.fallbackByte(text).map { [$0] } ?? [] : Self.unescapedSpaces(text))
            }
            let spelling = Array(text.utf8)
            if idForText[spelling] == nil { idForText[spelling] = Int32(index) }
        }
        tokenBytes = bytes

        // Byte-level vocabularies may lack bytes their training data never held (SmolLM2 has no
        // token for 21 of them, e.g. 0x04 and 0xF5…0xFF); such bytes are dropped when encoding,
        // as the reference BPE (no unknown token) and llama.cpp do.
        var byteTokens = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            let spelling = self.model == .bytePairs
                ? Array(ByteLevel.text(ofBytes: [UInt8(byte)]).utf8) : Array(Self.fallbackSpelling(UInt8(byte)).utf8)
            if let id = idForText[spelling] { byteTokens[byte] = id }
        }
        guard self.model == .sentencePiece || byteTokens.contains(where: { $0 >= 0 }) else {
            throw CPUError.invalidTokenizer(
                reason: "tokenizer.ggml.tokens has no single-byte tokens; this is not a byte-level BPE vocabulary")
        }
        self.byteTokens = byteTokens

        switch self.model {
        case .bytePairs:
            merges = try Self.parseMerges(try require("tokenizer.ggml.merges"), idForText: idForText)
            scores = []
            idForSpelling = [:]
        case .sentencePiece:
            merges = [:]
            guard let scoreValues = try require("tokenizer.ggml.scores").array, scoreValues.count == texts.count else {
                throw CPUError.invalidMetadata(key: "tokenizer.ggml.scores", reason: "must be an array of \(texts.count) numbers")
            }
            scores = scoreValues.map { Float($0.double ?? 0) }
            // Only normal and user-defined tokens take part in merges (llama.cpp's rule).
            var spellings: [[UInt8]: Int32] = [:]
            for (index, text) in texts.enumerated() where types[index] == .normal || types[index] == .userDefined {
                let spelling = Array(text.utf8)
                if spellings[spelling] == nil { spellings[spelling] = Int32(index) }
            }
            idForSpelling = spellings
        }
        addsSpacePrefix = metadata["tokenizer.ggml.add_space_prefix"]?.bool ?? (self.model == .sentencePiece)

        func tokenID(_ key: String) throws -> Int32? {
            guard let value = metadata[key] else { return nil }
            guard let id = value.int, id >= 0, id < texts.count else {
                throw CPUError.invalidMetadata(key: key, reason: "\(value) is not a token ID below \(texts.count)")
            }
            return Int32(id)
        }
        guard let eos = try tokenID("tokenizer.ggml.eos_token_id") else {
            throw CPUError.missingMetadata(key: "tokenizer.ggml.eos_token_id")
        }
        eosTokenID = eos
        bosTokenID = try tokenID("tokenizer.ggml.bos_token_id")
        addsBOSToken = (metadata["tokenizer.ggml.add_bos_token"]?.bool ?? (self.model == .sentencePiece)) && bosTokenID != nil
        // Instruct models end a turn with a token other than EOS (Llama 3's <|eot_id|>, <|eom_id|>).
        var stops = [eos]
        for key in ["tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"] {
            if let id = try tokenID(key), !stops.contains(id) { stops.append(id) }
        }
        stopTokenIDs = stops

        var specials: [UInt8: [(bytes: [UInt8], id: Int32)]] = [:]
        for (index, type) in types.enumerated() where type == .control || type == .userDefined {
            let text = bytes[index]
            guard let first = text.first else { continue }
            specials[first, default: []].append((text, Int32(index)))
        }
        for key in specials.keys { specials[key]!.sort { $0.bytes.count > $1.bytes.count } }
        specialTokensByFirstByte = specials
    }

    static func parseMerges(_ value: GGUFValue, idForText: [[UInt8]: Int32]) throws -> [UInt64: Merge] {
        let key = "tokenizer.ggml.merges"
        guard let entries = value.array else { throw CPUError.invalidMetadata(key: key, reason: "not an array") }
        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(entries.count)
        for (rank, entry) in entries.enumerated() {
            guard let text = entry.string else {
                throw CPUError.invalidMetadata(key: key, reason: "entry \(rank) is not a string")
            }
            let utf8 = Array(text.utf8)
            let space = utf8.firstIndex(of: 0x20)
            let leftBytes = space.map { Array(utf8[..<$0]) } ?? []
            let rightBytes = space.map { Array(utf8[($0 + 1)...]) } ?? []
            guard space != nil, !rightBytes.contains(0x20), let left = idForText[leftBytes],
                let right = idForText[rightBytes], let result = idForText[leftBytes + rightBytes]
            else {
                throw CPUError.invalidMetadata(
                    key: key, reason: "entry \(rank) '\(text)' is not two vocabulary tokens whose join is a token")
            }
            let pair = pairKey(left, right)
            // The first (lowest-rank) occurrence of a pair wins, as in the reference BPE.
            if merges[pair] == nil { merges[pair] = Merge(rank: Int32(rank), result: result) }
        }
        return merges
    }

    /// True for control tokens (`<|im_start|>`, `<|im_end|>`, `<|endoftext|>`, …).
    public func isSpecial(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < tokenTypes.count && tokenTypes[Int(id)] == .control
    }

    /// The raw bytes token `id` stands for (empty for an out-of-range ID).
    public func bytes(of id: Int32) -> [UInt8] {
        id >= 0 && Int(id) < tokenBytes.count ? tokenBytes[Int(id)] : []
    }
}
