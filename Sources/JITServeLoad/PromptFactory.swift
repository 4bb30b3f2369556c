import JITServeCore

/// A prompt as sent: text, or the server's own token IDs.
public enum PromptPayload: Hashable, Sendable {
    case text(String)
    case tokens([Int32])
}

/// Makes every call's prompt real text of the length the workload asks, measured in the
/// server's own tokens, so a real model does real work and a simulated GPU is charged what the
/// simulator charges.
///
/// - A request without text in the workload (trace replays, code, agent calls) is sent as token
///   IDs: a slice of the corpus tokenized by the server, exactly `n` tokens, and — like the
///   simulator's — with no text for the server's length forest to read.
/// - A request with text (chat) is sent as that text, cut or extended with corpus text to `n`
///   of the server's tokens (found by bisection through its tokenize endpoint).
/// Without a tokenize endpoint both fall back to text of about 4 characters a token.
public struct PromptFactory: Sendable {
    /// Characters per token assumed when the server cannot tokenize.
    public static let fallbackCharactersPerToken = 4

    /// Real text, ASCII only, paragraphs joined: filler and fallback prompts.
    let corpus: [UInt8]
    /// `corpus` in the server's tokens (nil without a tokenizer).
    let pool: [Int32]?
    let tokenizer: (any PromptTokenizer)?

    /// Builds the corpus from `texts` (real prompts) and tokenizes about `poolCharacters` of it.
    public static func make(
        texts: [String], tokenizer: (any PromptTokenizer)?, poolCharacters: Int = 400_000
    ) async throws -> PromptFactory {
        var corpus: [UInt8] = []
        for text in texts {
            let ascii = text.utf8.filter { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x0A }
            guard !ascii.isEmpty else { continue }
            if !corpus.isEmpty { corpus.append(contentsOf: [0x0A, 0x0A]) }
            corpus.append(contentsOf: ascii)
            if corpus.count >= poolCharacters { break }
        }
        guard corpus.count >= 64 else {
            throw LoadError.invalidOption(option: "prompt corpus", reason: "needs at least 64 characters of text")
        }
        var pool: [Int32]?
        if let tokenizer {
            var tokens: [Int32] = []
            var start = 0
            while start < corpus.count {
                // Pieces end at a paragraph break where one is near, so words are not split.
                var end = min(corpus.count, start + 16_384)
                if end < corpus.count, let br = corpus[start..<end].lastIndex(of: 0x0A), br > start { end = br + 1 }
                tokens += try await tokenizer.tokenize(String(decoding: corpus[start..<end], as: UTF8.self))
                start = end
            }
            pool = tokens.isEmpty ? nil : tokens
        }
        return PromptFactory(corpus: corpus, pool: pool, tokenizer: pool == nil ? nil : tokenizer)
    }

    /// Whether prompts are measured in the server's tokens (else estimated from characters).
    public var isExact: Bool { pool != nil }

    /// `count` tokens of corpus, starting at a place `seed` picks.
    public func tokens(count: Int, seed: UInt64) -> PromptPayload {
        let n = max(1, count)
        guard let pool else { return .text(corpusText(characters: n * Self.fallbackCharactersPerToken, seed: seed)) }
        var out: [Int32] = []
        out.reserveCapacity(n)
        var i = Int(seed % UInt64(pool.count))
        while out.count < n {
            let take = min(n - out.count, pool.count - i)
            out.append(contentsOf: pool[i..<(i + take)])
            i = 0
        }
        return .tokens(out)
    }

    /// `text`, cut or extended with corpus text to `count` tokens.
    public func text(_ text: String, tokenCount count: Int, seed: UInt64) async throws -> PromptPayload {
        let n = max(1, count)
        guard let tokenizer, let pool else {
            let chars = n * Self.fallbackCharactersPerToken
            var bytes = Array(text.utf8.prefix(chars))
            if bytes.count < chars {
                bytes += [0x0A, 0x0A] + Array(corpusText(characters: chars - bytes.count, seed: seed).utf8)
            }
            return .text(Self.cleanPrefix(bytes, count: chars))
        }
        // Extend until the text holds at least n tokens.
        let charactersPerToken = max(1.0, Double(corpus.count) / Double(pool.count))
        var candidate = text
        var have = try await tokenizer.tokenize(candidate).count
        var extra = 0
        while have < n {
            extra += Int(Double(n - have) * charactersPerToken * 1.5) + 8
            candidate = text + "\n\n" + corpusText(characters: extra, seed: seed)
            have = try await tokenizer.tokenize(candidate).count
        }
        if have == n { return .text(candidate) }
        // The longest prefix (in characters) that holds at most n tokens.
        let characters = Array(candidate)
        var lo = 0, hi = characters.count  // count(prefix lo) <= n < count(prefix hi)
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if try await tokenizer.tokenize(String(characters[..<mid])).count <= n { lo = mid } else { hi = mid }
        }
        return .text(String(characters[..<max(1, lo)]))
    }

    /// About `characters` of corpus, starting at a place `seed` picks.
    func corpusText(characters: Int, seed: UInt64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(characters)
        var i = Int(seed % UInt64(corpus.count))
        while out.count < characters {
            let take = min(characters - out.count, corpus.count - i)
            out.append(contentsOf: corpus[i..<(i + take)])
            i = 0
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first `count` bytes as text, not ending inside a UTF-8 character.
    static func cleanPrefix(_ bytes: [UInt8], count: Int) -> String {
        var end = min(count, bytes.count)
        while end > 0, end < bytes.count, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
