import ArgumentParser
import Foundation

/// `--seeds` as the bench commands read it: comma-separated non-negative integers.
enum SeedList {
    /// One part of the list as a seed, spaces around it ignored.
    static func seed<S: StringProtocol>(_ part: S) throws -> UInt64 {
        let text = part.trimmingCharacters(in: .whitespaces)
        guard let value = UInt64(text) else { throw ValidationError("--seeds: '\(text)' is not a non-negative integer") }
        return value
    }

    /// Every comma-separated part as a seed; with `omittingEmpty` false an empty part is refused
    /// like any other that is not a seed.
    static func parse(_ text: String, omittingEmpty: Bool = true) throws -> [UInt64] {
        try text.split(separator: ",", omittingEmptySubsequences: omittingEmpty).map(seed)
    }
}
