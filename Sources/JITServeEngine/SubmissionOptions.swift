/// What a client says about a request beyond the request itself: facts for the engine's own
/// bookkeeping that no policy is told.
public struct SubmissionOptions: Hashable, Sendable {
    /// The request is its workflow's last call (`"slo": {"final": true}` or
    /// `x-workflow-final: true`): once it and every other call of the workflow still held have
    /// finished, the workflow's state is freed and the analyzer learns its shape.
    public var endsWorkflow: Bool
    /// Trace replay (`jitserve bench live`): the answer ends after this many tokens as if the
    /// model had emitted end-of-sequence (finish reason `stop`). Unlike `max_tokens`, which every
    /// length estimate is capped at, the scheduler is not told: it sees what a trace replay in
    /// the simulator shows it.
    public var replayedOutputTokenCount: Int?

    public init(endsWorkflow: Bool = false, replayedOutputTokenCount: Int? = nil) {
        self.endsWorkflow = endsWorkflow
        self.replayedOutputTokenCount = replayedOutputTokenCount
    }
}
