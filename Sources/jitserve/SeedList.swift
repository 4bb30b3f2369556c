import ArgumentParser
import Foundation

/// `--seeds` as the bench commands read it: comma-separated non-negative integers, at least one,
/// none twice (`CommaList`).
enum SeedList {
    /// One part of the list as a seed, spaces around it ignored.
    static func seed<S: StringProtocol>(_ part: S) throws -> UInt64 {
        let text = part.trimmingCharacters(in: .whitespaces)
        guard let value = UInt64(text) else { throw ValidationError("--seeds: '\(text)' is not a non-negative integer") }
        return value
    }

    /// Every comma-separated part as a seed.
    static func parse(_ text: String) throws -> [UInt64] {
        try CommaList.validated(text, option: "--seeds", as: seed)
    }
}
