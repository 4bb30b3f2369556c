import ArgumentParser
import Foundation

/// A comma-separated option value (`--schedulers sjf,jitserve`, `--seeds 1,2`) as every command
/// reads it: parts trimmed of spaces.
enum CommaList {
    /// The parts of `text` (empty ones dropped: call `validated` first to refuse them).
    static func items(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The parts of `text`, each read by `value`, refused when there is none, one is empty or two
    /// read the same (`1` and `01` are one seed): an empty list would run nothing and print an
    /// empty table, and a value twice would run it twice and weigh it twice in every mean.
    static func validated<Value: Equatable>(
        _ text: String, option: String, as value: (String) throws -> Value
    ) throws -> [Value] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.contains(where: { !$0.isEmpty }) else { throw ValidationError("\(option) needs at least one entry") }
        guard !parts.contains("") else { throw ValidationError("\(option): an empty entry in '\(text)'") }
        let values = try parts.map(value)
        if let twice = values.indices.first(where: { values[..<$0].contains(values[$0]) }) {
            throw ValidationError("\(option): '\(parts[twice])' is listed twice")
        }
        return values
    }

    /// `validated`, the parts taken as names, each one of `valid` when given.
    static func validated(_ text: String, option: String, among valid: [String]? = nil) throws -> [String] {
        try validated(text, option: option) { name in
            if let valid, !valid.contains(name) {
                throw ValidationError("unknown '\(name)' in \(option); valid: \(valid.joined(separator: ", "))")
            }
            return name
        }
    }
}
