/// Goodput and latency figures for one group of requests (all of them, or one SLO kind).
public struct GoodputFigures: Codable, Hashable, Sendable {
    /// Output tokens that met their SLO, per second of run duration. The headline metric.
    public var tokenGoodput: Double
    /// Units (requests; a workflow counts once) that met their SLO in full, per second.
    public var requestGoodput: Double
    /// Fraction of units that met their SLO in full.
    public var sloAttainment: Double
    /// All output tokens delivered, per second.
    public var throughputTokens: Double
    /// Output tokens that met their SLO.
    public var goodTokens: Int
    /// Output tokens delivered.
    public var outputTokens: Int
    /// Units that met their SLO in full.
    public var unitsMet: Int
    /// Units: requests, with a workflow counting once.
    public var units: Int
    /// Calls that finished.
    public var finished: Int
    /// Calls known to the run.
    public var total: Int
    public var preemptions: Int
    public var ttft: LatencySummary
    /// Inter-token gaps.
    public var tbt: LatencySummary
    /// Time per output token after the first: (e2e − ttft) / (n − 1).
    public var tpot: LatencySummary
    public var e2e: LatencySummary
    public var queueing: LatencySummary

    enum CodingKeys: String, CodingKey {
        case tokenGoodput = "token_goodput", requestGoodput = "request_goodput"
        case sloAttainment = "slo_attainment", throughputTokens = "throughput_tokens"
        case goodTokens = "good_tokens", outputTokens = "output_tokens"
        case unitsMet = "units_met", units, finished, total, preemptions
        case ttft = "ttft_s", tbt = "tbt_s", tpot = "tpot_s", e2e = "e2e_s", queueing = "queueing_s"
    }
}

/// The outcome of a run: figures overall and per SLO kind.
public struct GoodputReport: Codable, Hashable, Sendable {
    /// The run duration goodput is divided by, in seconds.
    public var durationSeconds: Double
    public var overall: GoodputFigures
    /// Keyed by `SLOKind.rawValue`; only kinds present in the run.
    public var byKind: [String: GoodputFigures]

    enum CodingKeys: String, CodingKey {
        case durationSeconds = "duration_s", overall, byKind = "by_kind"
    }
}
