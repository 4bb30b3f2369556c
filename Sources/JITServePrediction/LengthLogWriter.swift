import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends `LengthLogRecord`s to a JSONL file, one line per finished request, from any
/// thread. The file is created readable by its owner only (it contains prompts) and opened
/// for appending, so a restarted server adds to the log instead of replacing it; each line is
/// written whole under a lock, so concurrent appends never interleave.
public final class LengthLogWriter: Sendable {
    public let path: String
    private let descriptor: Mutex<Int32>

    /// Opens (creating if needed) `path` for appending.
    public init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw PredictionError.io(path: path, reason: "cannot open for appending: \(String(cString: strerror(errno)))")
        }
        self.path = path
        descriptor = Mutex(fd)
    }

    deinit {
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    /// Appends one record as a JSON line.
    public func append(_ record: LengthLogRecord) throws {
        let line = try record.jsonLine()
        try descriptor.withLock { fd in
            var written = 0
            try line.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                while written < buffer.count {
                    let n = write(fd, buffer.baseAddress! + written, buffer.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw PredictionError.io(path: path, reason: "cannot append: \(String(cString: strerror(errno)))")
                    }
                    written += n
                }
            }
        }
    }
}
