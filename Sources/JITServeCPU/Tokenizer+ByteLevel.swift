extension Tokenizer {
    /// GPT-2's byte-level alphabet: every byte maps to one printable Unicode character, so BPE
    /// vocabularies can store arbitrary bytes as text. Printable Latin-1 bytes stand for
    /// themselves; the other 68 bytes (controls, space, DEL, NBSP, soft hyphen) take U+0100 onwards
    /// in byte order.
    enum ByteLevel {
        /// Character (scalar value) for each byte.
        static let characterForByte: [UInt32] = {
            var table = [UInt32](repeating: 0, count: 256)
            var next: UInt32 = 256
            for byte in 0..<256 {
                if isPrintable(UInt8(byte)) {
                    table[byte] = UInt32(byte)
                } else {
                    table[byte] = next
                    next += 1
                }
            }
            return table
        }()

        /// Byte for each alphabet character, indexed by scalar value (-1: not in the alphabet).
        /// The alphabet ends at U+0143, so a flat table beats a dictionary when loading 49k tokens.
        static let byteForCharacter: [Int16] = {
            var inverse = [Int16](repeating: -1, count: 0x144)
            for (byte, character) in characterForByte.enumerated() { inverse[Int(character)] = Int16(byte) }
            return inverse
        }()

        static func isPrintable(_ byte: UInt8) -> Bool {
            (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
        }

        /// The raw bytes a vocabulary entry stands for, or nil when it uses characters outside
        /// the alphabet (then it is not a byte-level token).
        static func bytes(ofToken text: String) -> [UInt8]? {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.unicodeScalars.count)
            for scalar in text.unicodeScalars {
                guard scalar.value < byteForCharacter.count, byteForCharacter[Int(scalar.value)] >= 0 else { return nil }
                bytes.append(UInt8(byteForCharacter[Int(scalar.value)]))
            }
            return bytes
        }

        /// The vocabulary spelling of raw bytes.
        static func text(ofBytes bytes: some Sequence<UInt8>) -> String {
            var text = String.UnicodeScalarView()
            for byte in bytes { text.append(Unicode.Scalar(characterForByte[Int(byte)])!) }
            return String(text)
        }
    }
}
