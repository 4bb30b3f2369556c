import Dispatch
import Foundation
import JITServeCore
import Synchronization

/// `serve --length-log`: takes each finished request from the engine thread and appends its
/// length-log line on a queue of its own, so that building the line (and the prompt's features,
/// when text is not kept) and the file write never lengthen an iteration.
public final class LengthLogQueue: Sendable {
    public let writer: LengthLogWriter
    public let servedModel: String
    /// False: the prompt's hashed features replace its text (`LengthLogRecord`).
    public let includesPromptText: Bool
    private let queue = DispatchQueue(label: "jitserve.length-log")
    private let warn: @Sendable (String) -> Void
    private let failureCount = Atomic<Int>(0)

    /// - Parameter warn: Told (once) when a line cannot be written; serving goes on.
    public init(
        writer: LengthLogWriter, servedModel: String, includesPromptText: Bool, warn: @escaping @Sendable (String) -> Void
    ) {
        self.writer = writer
        self.servedModel = servedModel
        self.includesPromptText = includesPromptText
        self.warn = warn
    }

    /// Queues `record`'s line if it belongs in the log (`LengthLogRecord.isLogged`). Cheap: call
    /// it from the engine thread.
    public func submit(_ record: RequestRecord) {
        let outputs = record.timeline.outputTokenCount
        guard let reason = record.timeline.finishReason, LengthLogRecord.isLogged(
            reason, outputTokenCount: outputs, isScoringCall: record.request.isScoringCall) else { return }
        let finishedAt = Date()
        queue.async { [self] in
            let line = LengthLogRecord(
                request: record.request, servedModel: servedModel, outputTokenCount: outputs, finishReason: reason,
                finishedAt: finishedAt, includesPromptText: includesPromptText)
            do {
                try writer.append(line)
            } catch {
                if failureCount.wrappingAdd(1, ordering: .relaxed).oldValue == 0 {
                    warn("warning: length log \(writer.path): \(error); further failures are not reported")
                }
            }
        }
    }

    /// Waits until every queued line is written.
    public func flush() { queue.sync {} }

    /// Lines that could not be written.
    public var failures: Int { failureCount.load(ordering: .relaxed) }
}
