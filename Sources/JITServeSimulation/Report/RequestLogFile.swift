import Foundation
import JITServeCore
import Synchronization

/// A `--requests-out` file being written: runs append their lines as they finish (from any
/// thread), into a temporary file beside the target that `finish` renames into place, so a run
/// that fails leaves nothing half-written at the path.
public final class RequestLogFile: Sendable {
    public let path: String
    private let temporaryPath: String
    private let handle: Mutex<FileHandle?>

    /// Creates the temporary file; fails at once if the directory cannot be written.
    public init(path: String) throws {
        self.path = path
        temporaryPath = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporaryPath, contents: nil) else {
            throw SimulationError.invalidOption(option: "--requests-out", value: path, reason: "cannot be created")
        }
        guard let handle = FileHandle(forWritingAtPath: temporaryPath) else {
            throw SimulationError.invalidOption(option: "--requests-out", value: path, reason: "cannot be opened for writing")
        }
        self.handle = Mutex(handle)
    }

    /// Appends every record of one run.
    public func append(records: [RequestRecord], run: RequestLog.Run, workflowCallCounts: [WorkflowID: Int], window: Duration) throws {
        let text = RequestLog.lines(records: records, run: run, workflowCallCounts: workflowCallCounts, window: window)
        try handle.withLock { handle in
            guard let handle else { throw SimulationError.invalidOption(option: "--requests-out", value: path, reason: "already closed") }
            try handle.write(contentsOf: Data(text.utf8))
        }
    }

    /// Closes the file and moves it to `path` (replacing what was there).
    public func finish() throws {
        try handle.withLock { handle in
            try handle?.close()
            handle = nil
        }
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temporaryPath, toPath: path)
    }

    /// Closes and removes the temporary file (the run failed).
    public func abandon() {
        handle.withLock { handle in
            try? handle?.close()
            handle = nil
        }
        try? FileManager.default.removeItem(atPath: temporaryPath)
    }
}
