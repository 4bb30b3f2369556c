/// The 64-bit FNV-1a hash. Used for hashed n-gram features and for the held-out split rule
/// (`fnv1a64(conv_id) % 10 == 0`), which the workload builder applies too, so both sides agree
/// on which rows are never trained on. It must stay bit-for-bit stable across versions.
public enum FNV1a {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The hash of `string`'s UTF-8 bytes.
    public static func hash64(_ string: String) -> UInt64 {
        var hash = offsetBasis
        for byte in string.utf8 { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }

    /// Continues `hash` over `bytes`.
    @inlinable
    public static func combine<S: Sequence>(_ hash: UInt64, _ bytes: S) -> UInt64 where S.Element == UInt8 {
        var hash = hash
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }

    /// Whether the row with this identifier is in the held-out (test) tenth.
    public static func isHeldOut(_ identifier: String) -> Bool {
        hash64(identifier) % 10 == 0
    }
}
