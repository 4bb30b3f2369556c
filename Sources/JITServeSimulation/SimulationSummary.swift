import JITServeCore

/// The JSON a simulation writes: the run's settings, its figures overall (at the top level, as
/// `vllm bench serve` users expect) and per SLO kind. No wall-clock figures, so the same seed
/// gives byte-identical output.
public struct SimulationSummary: Codable, Sendable {
    public var scheduler: String
    public var workload: String
    public var hardware: String
    public var lengthPredictor: String
    public var rps: Double?
    public var seed: UInt64
    public var durationSeconds: Double
    public var tokenGoodput: Double
    /// The reference artifact's weighted token goodput (prefill 1 : decode 8), tokens/s: a
    /// second view for comparing with its figures, not the headline.
    public var weightedTokenGoodput: Double
    public var requestGoodput: Double
    public var sloAttainment: Double
    public var throughputTokens: Double
    public var goodTokens: Int
    public var outputTokens: Int
    public var finished: Int
    public var total: Int
    public var units: Int
    public var unitsMet: Int
    public var preemptions: Int
    public var ttft: LatencySummary
    public var tbt: LatencySummary
    public var tpot: LatencySummary
    public var e2e: LatencySummary
    public var queueing: LatencySummary
    public var byKind: [String: GoodputFigures]
    public var iterations: Int
    public var simulatedSeconds: Double
    public var unfinished: Int
    public var replicas: Int = 1
    /// The router in front of the replicas, when one was chosen (absent: the default,
    /// `least-loaded`, so that earlier results read the same).
    public var router: String?
    /// Calls shed (429) by the router or by admission control, counted as failed; absent when none was.
    public var shed: Int?
    /// Attainment over the units that meet their SLO alone on an idle replica (replica search).
    public var feasibleAttainment: Double?
    /// Good tokens/s per `goodputBucketSeconds` window (benchmarks fill it).
    public var goodputOverTime: [Double]?
    public var goodputBucketSeconds: Double?
    /// TTFT and TBT at the 0th, 5th, …, 100th percentiles (benchmarks fill them).
    public var ttftQuantiles: [Double]?
    public var tbtQuantiles: [Double]?

    enum CodingKeys: String, CodingKey {
        case scheduler, workload, hardware, lengthPredictor = "length_predictor", rps, seed
        case durationSeconds = "duration_s", tokenGoodput = "token_goodput"
        case weightedTokenGoodput = "weighted_token_goodput", requestGoodput = "request_goodput"
        case sloAttainment = "slo_attainment", throughputTokens = "throughput_tokens"
        case goodTokens = "good_tokens", outputTokens = "output_tokens", finished, total, units
        case unitsMet = "units_met", preemptions
        case ttft = "ttft_s", tbt = "tbt_s", tpot = "tpot_s", e2e = "e2e_s", queueing = "queueing_s"
        case byKind = "by_kind", iterations, simulatedSeconds = "simulated_s", unfinished, replicas, router, shed
        case feasibleAttainment = "feasible_attainment"
        case goodputOverTime = "goodput_over_time", goodputBucketSeconds = "goodput_bucket_s"
        case ttftQuantiles = "ttft_quantiles_s", tbtQuantiles = "tbt_quantiles_s"
    }

    public init(
        scheduler: String, workload: String, hardware: String, lengthPredictor: String, rps: Double?,
        seed: UInt64, result: SimulationResult
    ) {
        let o = result.report.overall
        self.scheduler = scheduler
        self.workload = workload
        self.hardware = hardware
        self.lengthPredictor = lengthPredictor
        self.rps = rps
        self.seed = seed
        durationSeconds = result.report.durationSeconds
        tokenGoodput = o.tokenGoodput
        weightedTokenGoodput = GoodputAccountant.weightedTokenGoodput(
            records: result.records, workflowCallCounts: result.workflowCallCounts,
            duration: .seconds(result.report.durationSeconds))
        requestGoodput = o.requestGoodput
        sloAttainment = o.sloAttainment
        throughputTokens = o.throughputTokens
        goodTokens = o.goodTokens
        outputTokens = o.outputTokens
        finished = o.finished
        total = result.callCount
        units = o.units
        unitsMet = o.unitsMet
        preemptions = o.preemptions
        ttft = o.ttft
        tbt = o.tbt
        tpot = o.tpot
        e2e = o.e2e
        queueing = o.queueing
        byKind = result.report.byKind
        iterations = result.iterationCount
        simulatedSeconds = result.simulatedSeconds
        unfinished = result.unfinishedCount
        shed = result.shedCount > 0 ? result.shedCount : nil
    }

    /// `router+scheduler`, or the scheduler alone behind the default router.
    public var policy: String { router.map { "\($0)+\(scheduler)" } ?? scheduler }

    /// Adds the curves a benchmark report draws: goodput over time and latency distributions.
    public mutating func addDistributions(from result: SimulationResult, workflowCallCounts: [WorkflowID: Int]) {
        let bucket = max(1, (durationSeconds / 60).rounded())
        goodputBucketSeconds = bucket
        goodputOverTime = GoodputAccountant.goodputOverTime(
            records: result.records, workflowCallCounts: workflowCallCounts, bucketSeconds: bucket,
            until: max(durationSeconds, result.simulatedSeconds))
        var ttfts: [Double] = [], gaps: [Double] = []
        for record in result.records {
            let delivered = record.timeline.tokenDeliveredAt
            if let ttft = record.timeline.ttft { ttfts.append(ttft.seconds) }
            if delivered.count > 1 { for i in 1..<delivered.count { gaps.append(delivered[i].seconds - delivered[i - 1].seconds) } }
        }
        ttfts.sort()
        gaps.sort()
        let qs = stride(from: 0.0, through: 1.0, by: 0.05).map { $0 }
        ttftQuantiles = qs.map { LatencySummary.percentile(ttfts, $0) }
        tbtQuantiles = qs.map { LatencySummary.percentile(gaps, $0) }
    }
}
