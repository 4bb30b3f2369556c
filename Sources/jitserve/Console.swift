import Foundation

/// The command-line tool's one logger: results go to stdout (`print`), progress and
/// diagnostics to stderr through here, so that stdout stays clean for pipes.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Each of `notes` (what a workload's reading left out, `Workload.notes`) as a line on stderr.
    static func notes(_ notes: [String]) {
        for note in notes { error("note: \(note)") }
    }

    /// Rewrites one progress line on stderr.
    static func progress(_ message: String) {
        FileHandle.standardError.write(Data(("\r" + message).utf8))
    }

    /// Writes `data` to `path` atomically: a failed run leaves no half-written file.
    static func write(_ data: Data, to path: String) throws {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
