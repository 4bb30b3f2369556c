import JITServeCore

/// Replays an arrival trace (Azure 2023 or vidur format) with its real timestamps, optionally
/// rescaled to a mean rate and cut to a window, every request under one SLO kind with a tier
/// drawn per request. A length-only trace gets Poisson arrivals at the rate instead, its rows
/// taken in file order (vidur's request-length generator with a Poisson interval generator).
public struct TraceReplay: Sendable {
    public var name: String
    public var trace: ArrivalTrace
    /// `.latency` (streaming chat, the conv trace) or `.deadline` (tool calls, the code trace).
    public var sloKind: SLOKind
    /// Application label of the requests (`chat`, `code`, `trace`).
    public var application: String
    /// When given, timestamps are scaled so the mean inter-arrival gap is `1 / rate`; a
    /// length-only trace needs it (the Poisson rate).
    public var rate: Double?
    /// When given, only arrivals in `[0, duration)` (after rescaling) are kept and goodput is
    /// divided by it; otherwise the whole trace is replayed over its own span.
    public var duration: Duration?
    public var seed: UInt64
    public var tiers: SLOTiers

    public init(
        name: String, trace: ArrivalTrace, sloKind: SLOKind, application: String, rate: Double? = nil,
        duration: Duration? = nil, seed: UInt64, tiers: SLOTiers = .paper
    ) throws {
        try PaperMix.validate(rate: rate, duration: duration)
        guard sloKind != .compound else {
            throw SimulationError.invalidOption(
                option: "slo", value: sloKind.rawValue, reason: "a request trace carries latency or deadline SLOs")
        }
        if !trace.hasArrivalTimes && rate == nil {
            throw SimulationError.invalidOption(
                option: "--rps", value: "none",
                reason: "\(trace.source) has request lengths but no arrival times: give --rps for Poisson arrivals")
        }
        if let rate, trace.hasArrivalTimes, trace.entries.count < 2 || trace.span <= .zero {
            throw SimulationError.invalidOption(
                option: "--rps", value: "\(rate)",
                reason: "\(trace.source) has no time span to rescale (fewer than two distinct arrival times)")
        }
        self.name = name
        self.trace = trace
        self.sloKind = sloKind
        self.application = application
        self.rate = rate
        self.duration = duration
        self.seed = seed
        self.tiers = tiers
    }

    /// The factor arrival times are multiplied by (1 without a rate).
    public var timeScale: Double {
        guard let rate, trace.hasArrivalTimes else { return 1 }
        let meanGap = trace.span.seconds / Double(trace.entries.count - 1)
        return meanGap * rate == 0 ? 1 : 1 / (meanGap * rate)
    }

    public func make() -> Workload {
        let root = SplitMix64(seed: seed)
        var tierDraws = root.split(4)
        // A length-only trace's arrivals: a Poisson process at the rate (the same split stream
        // `MixArrivals` draws gaps from); `init` made sure there is a rate.
        var gaps = root.split(1)
        var poissonNow = 0.0
        let scale = timeScale
        let end = duration?.seconds ?? .infinity
        var requests: [TracedRequest] = []
        requests.reserveCapacity(trace.entries.count)
        var last = 0.0
        for entry in trace.entries {
            let at: Double
            if trace.hasArrivalTimes {
                at = entry.arrivedAt.seconds * scale
            } else {
                poissonNow += gaps.nextExponential(rate: rate ?? 1)
                at = poissonNow
            }
            guard at < end else { break }  // entries are sorted by arrival
            last = at
            let tier = tiers.drawTier(using: &tierDraws)
            let slo = sloKind == .latency ? tiers.latency(tier: tier) : tiers.deadline(tier: tier)
            requests.append(PaperMix.request(
                id: UInt64(requests.count + 1), at: Instant(seconds: at), prompt: entry.promptTokenCount,
                output: entry.outputTokenCount, text: nil, slo: slo, application: entry.application ?? application))
        }
        // A whole-trace replay spans first to last arrival; a one-instant trace gets 1 s so
        // rates stay finite.
        let window = duration ?? .seconds(last > 0 ? last : 1)
        var workload = Workload(name: name, requests: requests, workflows: [], duration: window)
        if trace.skippedRowCount > 0 {
            // A request with no prompt or no answer cannot be served; say how many were dropped.
            workload.notes.append(
                "\(trace.source): \(trace.skippedRowCount) row(s) with 0 prompt or 0 output tokens left out")
        }
        return workload
    }
}
