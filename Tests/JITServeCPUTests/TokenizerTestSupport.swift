import Foundation
import JITServeCPU
import JITServeCore

/// Shared fixtures for tokenizer and chat-template tests.
enum TokenizerTestSupport {
    /// The cached SmolLM2 GGUF, or nil when it has not been pulled (tests that need it skip).
    static let modelPath: String? = ModelStore().cachedPath(for: ModelStore.defaultModelName)

    static var hasModel: Bool { modelPath != nil }

    /// The real model's tokenizer; only call from tests enabled by `hasModel`.
    static let smolLM2: Tokenizer? = {
        guard let modelPath, let file = try? GGUFFile(contentsOf: modelPath) else { return nil }
        return try? Tokenizer(gguf: file)
    }()

    /// Metadata of the synthetic vocabulary from the reference fixture.
    static func syntheticMetadata() -> [String: GGUFValue] {
        [
            "tokenizer.ggml.model": .string("gpt2"),
            "tokenizer.ggml.pre": .string("smollm"),
            "tokenizer.ggml.tokens": .array(TokenizerReferenceFixture.syntheticTokens.map { .string($0) }),
            "tokenizer.ggml.token_type": .array(TokenizerReferenceFixture.syntheticTokenTypes.map { .int32($0) }),
            "tokenizer.ggml.merges": .array(TokenizerReferenceFixture.syntheticMerges.map { .string($0) }),
            "tokenizer.ggml.eos_token_id": .uint32(2),
            "tokenizer.ggml.bos_token_id": .uint32(1),
            "tokenizer.ggml.add_bos_token": .bool(false),
        ]
    }

    static let synthetic: Tokenizer = try! Tokenizer(metadata: syntheticMetadata())

    /// A random string mixing ASCII, Latin, Greek, Cyrillic, CJK, Hangul, emoji (with ZWJ and
    /// skin-tone modifiers), combining marks, unusual whitespace, digits of several scripts and
    /// special-token texts.
    static func randomText(_ generator: inout SplitMix64, length: Int) -> String {
        let pools: [[ClosedRange<UInt32>]] = [
            [0x20...0x7E], [0x20...0x7E], [0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x2000...0x200B, 0x3000...0x3000],
            [0xC0...0x24F], [0x370...0x3FF, 0x400...0x4FF], [0x4E00...0x4FFF, 0x3040...0x30FF, 0xAC00...0xAD00],
            [0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F3FB...0x1F3FF, 0x200D...0x200D], [0x300...0x36F],
            [0x660...0x669, 0xBC...0xBE, 0x2160...0x216F, 0x30...0x39],
        ]
        var scalars = String.UnicodeScalarView()
        while scalars.count < length {
            if generator.next() % 20 == 0 {
                let specials = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_", "'s", "'ll"]
                scalars.append(contentsOf: specials[Int(generator.next() % UInt64(specials.count))].unicodeScalars)
                continue
            }
            let pool = pools[Int(generator.next() % UInt64(pools.count))]
            let range = pool[Int(generator.next() % UInt64(pool.count))]
            let value = range.lowerBound + UInt32(generator.next() % UInt64(range.count))
            if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
        }
        return String(scalars)
    }
}
