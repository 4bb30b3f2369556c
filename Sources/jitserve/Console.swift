import Foundation

/// Writes to the terminal: results on stdout, progress and diagnostics on stderr.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
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
