import JITServeCore

/// The arrival loop the evaluation mixes (`PaperMix`, `ArtifactMix`) share: Poisson arrivals at
/// `rate` over `duration`, each with an SLO tier, from `SplitMix64` streams split from one seed
/// (arrival gaps, kinds, samples, tiers each their own, so the same seed gives the same workload).
/// A mix decides per arrival what arrives: it draws the kind from `kinds`, what to replay from
/// `samples`, and adds a request or a workflow under the next ID from here.
struct MixArrivals {
    var kinds: SplitMix64
    var samples: SplitMix64
    private(set) var requests: [TracedRequest] = []
    private(set) var workflows: [TracedWorkflow] = []
    private var gaps: SplitMix64
    private var tierDraws: SplitMix64
    private var nextRequestID: UInt64 = 1
    private var nextWorkflowID: UInt64 = 1

    init(seed: UInt64) {
        let root = SplitMix64(seed: seed)
        gaps = root.split(1)
        kinds = root.split(2)
        samples = root.split(3)
        tierDraws = root.split(4)
    }

    /// Calls `arrival(&self, at, tier)` once per arrival in `[0, duration)`; the tier is drawn
    /// before the mix draws anything else of that arrival.
    mutating func run(
        rate: Double, duration: Duration, tiers: SLOTiers, _ arrival: (inout MixArrivals, Instant, Int) -> Void
    ) {
        var now = gaps.nextExponential(rate: rate)
        let end = duration.seconds
        while now < end {
            let tier = tiers.drawTier(using: &tierDraws)
            arrival(&self, Instant(seconds: now), tier)
            now += gaps.nextExponential(rate: rate)
        }
    }

    /// The next request's ID: requests are numbered in arrival order.
    mutating func takeRequestID() -> UInt64 {
        defer { nextRequestID += 1 }
        return nextRequestID
    }

    mutating func addRequest(_ request: TracedRequest) { requests.append(request) }

    /// The next workflow's ID; the mix adds the workflow with `addWorkflow`.
    mutating func takeWorkflowID() -> WorkflowID {
        defer { nextWorkflowID += 1 }
        return WorkflowID(nextWorkflowID)
    }

    mutating func addWorkflow(_ workflow: TracedWorkflow) { workflows.append(workflow) }
}
