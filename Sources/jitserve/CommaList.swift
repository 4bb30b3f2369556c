import ArgumentParser
import Foundation

/// A comma-separated option value (`--schedulers sjf,jitserve`, `--seeds 1,2`) as every command
/// reads it: parts trimmed of spaces.
enum CommaList {
    /// The parts of `text` (empty ones dropped: call `validated` first to refuse them).
    static func items(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The parts of `text`, refused when there is none, one is empty or one is listed twice: an
    /// empty list would run nothing and print an empty table, and a name twice would run it
    /// twice and weigh it twice in every mean.
    static func validated(_ text: String, option: String) throws -> [String] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.contains(where: { !$0.isEmpty }) else { throw ValidationError("\(option) needs at least one entry") }
        guard !parts.contains("") else { throw ValidationError("\(option): an empty entry in '\(text)'") }
        if let twice = parts.indices.first(where: { parts[..<$0].contains(parts[$0]) }) {
            throw ValidationError("\(option): '\(parts[twice])' is listed twice")
        }
        return parts
    }

    /// `validated`, each part one of `valid` (the router names).
    static func validated(_ text: String, option: String, among valid: [String]) throws -> [String] {
        let parts = try validated(text, option: option)
        if let unknown = parts.first(where: { !valid.contains($0) }) {
            throw ValidationError("unknown '\(unknown)' in \(option); valid: \(valid.joined(separator: ", "))")
        }
        return parts
    }
}
