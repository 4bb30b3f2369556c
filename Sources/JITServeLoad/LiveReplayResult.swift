import JITServeCore

/// The outcome of a replay over HTTP, measured on the client: every call's record (client-side
/// instants, from the run's start), the goodput report computed from them exactly as the
/// simulator computes its own, and what went wrong.
public struct LiveReplayResult: Sendable {
    public var records: [RequestRecord]
    public var report: GoodputReport
    /// Failed calls by class: an HTTP status (`"429"`), `"timeout"`, `"transport"`,
    /// `"bad-response"`, or a status from an error frame inside a stream.
    public var errorsByClass: [String: Int]
    /// The first message seen per error class.
    public var firstErrors: [String: String]
    /// Calls in the workload (every workflow call included).
    public var callCount: Int
    /// Calls sent.
    public var sentCount: Int
    /// Calls the server took in (200), shed (429), and ended with a server error (a 5xx answer,
    /// or a 5xx error frame inside an admitted stream).
    public var admittedCount: Int
    public var shedCount: Int
    /// Of `shedCount`, answers without a positive integer `Retry-After` header.
    public var shedWithoutRetryAfterCount: Int
    public var serverErrorCount: Int
    /// Latency calls answered 200 that never received a first token.
    public var admittedLatencyWithoutFirstTokenCount: Int
    /// Calls sent and not finished when the drain limit ended the run.
    public var unfinishedCount: Int
    /// Workflow calls whose stage was never sent (the run ended first).
    public var unsentCount: Int
    /// Wall-clock seconds from the first arrival slot to the end of the run.
    public var wallSeconds: Double
    /// How output lengths were forced, and whether prompts were measured in the server's tokens.
    public var forcing: LengthForcing
    public var promptsExact: Bool
    /// The true number of calls of every workflow (what the report's workflow verdicts used).
    public var workflowCallCounts: [WorkflowID: Int]
}
