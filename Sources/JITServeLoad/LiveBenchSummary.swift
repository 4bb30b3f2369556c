import JITServeCore
import JITServeSimulation

/// What `bench live --json` writes: the simulator's summary of the same figures (same keys, so
/// a live run and `simulate --json` compare field by field), plus what only a live run has —
/// the server, errors by class, how lengths were forced, wall time.
public struct LiveBenchSummary: Encodable, Sendable {
    public var summary: SimulationSummary
    public var url: String
    public var model: String
    public var errorsByClass: [String: Int]
    public var firstErrors: [String: String]
    public var forcing: String
    public var promptsExact: Bool
    public var lengthScale: Double
    public var sent: Int
    /// Calls the server took in (answered 200); `summary.shed` counts those answered 429.
    public var admitted: Int
    /// Calls ended by a server error: a 5xx answer or a 5xx error frame in an admitted stream.
    public var serverErrors: Int
    /// 429 answers that lacked a positive integer `Retry-After` (a server should send none).
    public var shedWithoutRetryAfter: Int
    /// TTFT of the latency requests that got a first token (shed ones never do): what a
    /// streaming user the server admitted waited.
    public var admittedLatencyTTFT: LatencySummary
    /// Latency requests the server admitted that never got a first token (still waiting when the
    /// run ended, or failed): their TTFT is unbounded, so `admittedLatencyTTFT` cannot show them.
    public var admittedLatencyWithoutFirstToken: Int
    public var unsent: Int
    public var wallSeconds: Double

    enum CodingKeys: String, CodingKey {
        case url, model, errorsByClass = "errors_by_class", firstErrors = "first_errors", forcing = "length_forcing"
        case promptsExact = "prompts_exact", lengthScale = "scale_lengths", sent, unsent, wallSeconds = "wall_s"
        case admitted, serverErrors = "server_errors", shedWithoutRetryAfter = "shed_without_retry_after", admittedLatencyTTFT = "admitted_latency_ttft_s"
        case admittedLatencyWithoutFirstToken = "admitted_latency_without_first_token"
    }

    /// - Parameter label: The policy's name in reports (the server's, or what the caller says).
    public init(result: LiveReplayResult, replay: LiveReplay, label: String, rps: Double?, seed: UInt64, lengthScale: Double) {
        let simulation = SimulationResult(
            measuredRecords: result.records, report: result.report, seconds: result.wallSeconds,
            unfinishedCount: result.unfinishedCount + result.unsentCount, unreleasedCallCount: result.unsentCount,
            callCount: result.callCount)
        summary = SimulationSummary(
            scheduler: label, workload: replay.workload.name, hardware: "\(replay.profile.model) at \(replay.profile.url)",
            lengthPredictor: "server's", rps: rps, seed: seed, result: simulation)
        summary.addDistributions(from: simulation, workflowCallCounts: result.workflowCallCounts)
        summary.shed = result.shedCount
        url = replay.profile.url.description
        model = replay.profile.model
        errorsByClass = result.errorsByClass
        firstErrors = result.firstErrors
        forcing = result.forcing.rawValue
        promptsExact = result.promptsExact
        self.lengthScale = lengthScale
        sent = result.sentCount
        admitted = result.admittedCount
        serverErrors = result.serverErrorCount
        shedWithoutRetryAfter = result.shedWithoutRetryAfterCount
        admittedLatencyTTFT = LatencySummary(result.records.compactMap { record in
            guard record.request.slo.kind == .latency else { return nil }
            return record.timeline.ttft?.seconds
        })
        admittedLatencyWithoutFirstToken = result.admittedLatencyWithoutFirstTokenCount
        unsent = result.unsentCount
        wallSeconds = result.wallSeconds
    }

    public func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encode(model, forKey: .model)
        try container.encode(errorsByClass, forKey: .errorsByClass)
        try container.encode(firstErrors, forKey: .firstErrors)
        try container.encode(forcing, forKey: .forcing)
        try container.encode(promptsExact, forKey: .promptsExact)
        try container.encode(lengthScale, forKey: .lengthScale)
        try container.encode(sent, forKey: .sent)
        try container.encode(admitted, forKey: .admitted)
        try container.encode(serverErrors, forKey: .serverErrors)
        try container.encode(shedWithoutRetryAfter, forKey: .shedWithoutRetryAfter)
        try container.encode(admittedLatencyTTFT, forKey: .admittedLatencyTTFT)
        try container.encode(admittedLatencyWithoutFirstToken, forKey: .admittedLatencyWithoutFirstToken)
        try container.encode(unsent, forKey: .unsent)
        try container.encode(wallSeconds, forKey: .wallSeconds)
    }

    /// The simulator's table, then the live run's own lines.
    public func table() -> String {
        // The simulator's last line counts preemptions and iterations the client cannot see.
        var lines = summary.table().split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("throughput ") }.map(String.init)
        lines.append(String(
            format: "throughput %.1f tok/s (received) · unfinished %d", summary.throughputTokens, summary.unfinished))
        let errors = errorsByClass.isEmpty ? "none"
            : errorsByClass.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        lines.append("live: \(sent) calls sent, \(unsent) never sent · errors \(errors) · lengths forced by \(forcing)"
                     + (promptsExact ? "" : " · prompt lengths estimated (no tokenize endpoint)")
                     + String(format: " · wall %.1fs", wallSeconds))
        lines.append(String(
            format: "admission: %d sent · %d admitted · %d shed (429; %d without Retry-After) · %d server errors (5xx) · admitted latency TTFT p50 %.3fs p99 %.3fs (%d admitted got no first token)",
            sent, admitted, summary.shed ?? 0, shedWithoutRetryAfter, serverErrors, admittedLatencyTTFT.p50, admittedLatencyTTFT.p99, admittedLatencyWithoutFirstToken))
        for (cls, message) in firstErrors.sorted(by: { $0.key < $1.key }) {
            lines.append("  first \(cls): \(message.prefix(200))")
        }
        return lines.joined(separator: "\n")
    }
}
