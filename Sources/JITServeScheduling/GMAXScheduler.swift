import JITServeCore

/// JITServe's GMAX policy (DESIGN §5): serve each request just in time.
///
/// Priority is goodput density — the goodput a request can still earn, scaled by an on-time
/// factor, over the time it still needs. A stream ahead of its reading pace or a call far from
/// its deadline gains nothing from running now and yields; a request that can no longer make its
/// SLO is worth ~0 and yields first. A workflow's calls share the workflow's density. Batches
/// are composed from similar-length requests, a TBT guard shrinks the batch when iterations run
/// longer than the tightest stream allows, and churn is bounded.
public struct GMAXScheduler: Scheduler {
    /// Mechanisms that can be switched off to measure what each one earns.
    public struct Options: Hashable, Sendable {
        public var grouping = true
        public var refinement = true
        public var workflowTopUp = true
        public var tbtGuard = true
        /// Exponent of the on-time factor f(x) = min(1, x)^p; a whole number (see `power`).
        public var onTimeExponent = 100
        /// Quantile of the conservative length bound.
        public var quantile = 0.95
        /// A deadline or workflow call is given up on (hopeless) when its chance of finishing
        /// before its milestone falls below this.
        public var giveUpProbability = 0.5
        /// The same for a call already decoding while fewer requests hold KV than the batch cap
        /// allows: its prompt is paid for, a token costs one place of the token budget, and each
        /// one it makes lifts its chance. Given up at the first threshold, a call in the tail of
        /// its length distribution sat out a burst holding its KV, and lost every token it had
        /// made (8B A100 · 256 · azure-code · ½×). With the cap reached, places are what is
        /// short, and the first threshold applies (at 32 slots and 20× overload, this one kept
        /// calls that could not make it and lost 8 %).
        public var decodingGiveUpProbability = 0.1
        /// A deadline or workflow call already decoding runs every iteration, ahead of its
        /// milestone or not: just in time decides when a call *starts*. Once started, a call
        /// that yields gains its peers one budget token per iteration, while every iteration it
        /// sits out moves it deeper into its length distribution's tail with less time left.
        /// Yielding, such calls starved behind urgent prefills under a burst.
        public var finishesStartedCalls = true
        /// Only an urgent running request may preempt another for KV memory; one that could sit
        /// out this iteration waits for blocks instead. A preemption by recompute costs the
        /// victim its whole context again, so trading one request that is ahead for another
        /// churned memory under overload (8B H100 · 256 · recompute · azure-conv · 2×).
        public var onlyUrgentPreempts = true
        /// A lost request (`Candidate.isLost`: hopeless against its final due time), running or
        /// waiting, preempts no one: it waits for free memory. It ranks below everyone who can
        /// still earn, so its victim is hopeless too, and neither earns anything: the preemption
        /// only buys a recompute of the victim's context later. Under the saturated paper mix
        /// (8B A100 · 256 · 4 req/s) lost workflow calls preempted one another 1,792 times,
        /// recomputing 4.4 M context tokens, and on 8B H100 · 256 · paper mix · 1× that churn
        /// slowed the iterations of every call still able to make it.
        public var lostWaitsForMemory = true
        /// A request runs now when it could sit out fewer than this many iterations.
        public var urgencyIterations = 8.0
        /// While fewer requests hold KV than the batch cap allows, a deadline call turns urgent
        /// once it could sit out fewer than this share of the iterations it still needs (on top
        /// of `urgencyIterations`): it starts with a margin instead of just in time. Its length
        /// bound is an estimate, below the true length more often than its quantile says on
        /// text-less traces, and a call started at the last moment then misses; with places
        /// spare, starting it early costs no one a place. With the cap reached it would take
        /// the place of a call that must run now (32 slots at 2 and 4 req/s: −6 % and −16 %
        /// without that condition). Workflow calls get none: the analyzer's stage sub-deadlines
        /// are early on purpose already (a margin there changed the matrix by ×1.000).
        public var deadlineStartMargin = 0.25
        /// Grouping considers the top M·k candidates for a batch of M.
        public var groupingFactor = 2
        public var maxPreemptionsPerIteration = 8
        /// Share of the batch cap that started requests' paces may claim before newcomers wait
        /// behind them (`deferNewcomers`); nil switches the guard off.
        public var commitmentShare: Double? = 0.9
        /// Share of the token budget that lost requests' prefill (hopeless against their final
        /// due time) and that of newcomers waiting for memory may take, together, while anyone
        /// can still make their SLO (`prefillRation`); nil: as much as is left over.
        public var hopelessPrefillShare: Double? = 1.0 / 16
        /// Hand the places streams and deadline calls leave to workflows in turn, so that a
        /// workflow that fits is judged at its own width, not at a headcount share of the
        /// places (`reserveWorkflowPlaces`).
        public var workflowReservation = true

        public init() {}
    }

    public let name: String
    public let options: Options

    public init(name: String = "jitserve", options: Options = .init()) {
        self.name = name
        self.options = options
    }

    /// Tiers, in the order they are served.
    enum Tier: Int, Comparable {
        /// Must run now to keep its milestone.
        case urgent
        /// Can still make its SLO but could sit out this iteration: fills spare capacity,
        /// least laxity first.
        case ahead
        /// Not started, and the started requests already claim the batch: after them, best
        /// density first (see `deferNewcomers`).
        case deferred
        /// Cannot make its SLO any more: best effort, first to give up memory.
        case hopeless

        static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
    }

    /// One request's standing, small enough to sort cheaply; `index` points into the
    /// snapshot's running-then-waiting requests. The one-byte fields come last: declared
    /// first, `tier` would pad to eight bytes, and a selection over ten thousand candidates
    /// moves each one several times a decision.
    struct Candidate {
        var index: Int
        var density: Double
        var laxity: Double
        var arrivedAt: Double
        var id: RequestID
        /// Context length once this iteration's tokens are in (for grouping).
        var sequenceLength: Int
        var tier: Tier
        /// Hopeless against its final due time, not only a stage's sub-deadline, which the
        /// analyzer sets early on purpose: only such a request's prefill is rationed.
        var isLost = false
        /// Deferred while the committed work's expected KV claims take all free memory: its
        /// prefill is rationed too (`deferNewcomers`, `isRationed`).
        var waitsForMemory = false
        /// Facts of the row that the passes after ranking ask of every candidate, read once
        /// here: reading a row again costs a copy of it and a retain of its length
        /// distribution, ten thousand times an iteration under a burst.
        var isPrefilling = false
        var start = Start.newcomer
    }

    /// `Candidate`s put in serving order only as far as someone reads.
    typealias Ranking = PartialRanking<Candidate>

    /// Where a request stands for the commitment guard (`deferNewcomers`).
    enum Start {
        /// Holds KV, in the cache or swapped out: its pace is committed work.
        case started
        /// Holds no KV, but its workflow has been served: committed work that arrived late,
        /// neither a newcomer nor, holding nothing yet, a claim on places.
        case workflowStarted
        /// Neither: it waits while the started requests claim the batch.
        case newcomer
    }

    public func schedule(_ snapshot: SchedulerSnapshot) -> SchedulePlan {
        var budgeted = snapshot
        let states = SnapshotRows(budgeted)
        let candidates = rank(states, in: budgeted)
        if options.tbtGuard { applyTBTGuard(&budgeted, candidates: candidates, states: states) }
        let packer = packer(candidates, states: states, running: budgeted.running.count)
        let ration = prefillRation(candidates, budget: budgeted.budget)
        // Only what can run soon needs an exact rank. Batch size: the first maxRunning;
        // grouping: the top M·k; packing: as far as its walk goes, ranking further (and packing
        // again) in the rare iteration whose walk gets past what was ranked. The plan is the one
        // a full sort would give (`referencePlan`).
        var ranking = Ranking(consume candidates)  // sole owner: settling sorts in place, no copy
        ranking.settle(budgeted.budget.maxRunning)
        var ordered = Array(ranking.settled)
        if options.grouping {
            let m = batchSize(ordered, states: states, budget: budgeted.budget)
            ranking.settle(m * max(1, options.groupingFactor))
            // Grouping reorders only the top M·k and keeps the rest in order, so grouping what
            // is ranked gives the head of grouping everything.
            ordered = group(Array(ranking.settled), batchSize: m)
        }
        return ranking.pack(startingWith: ordered.map(\.index), packer: packer, snapshot: budgeted, ration: ration)
    }

    /// A newcomer may only take KV from requests that can no longer meet their SLO:
    /// preempting a stream that is merely ahead makes it urgent again a moment later, and
    /// under overload that churn recomputes more than it serves. Of those, only deadline and
    /// workflow calls: a late stream keeps its KV, since its later tokens can still count once
    /// it catches up and recomputing would cost more. A running request that needs a block to
    /// go on may take it from any lower-ranked holder if it is urgent (`onlyUrgentPreempts`):
    /// one that can sit out an iteration waits, and turns urgent in time if memory stays short.
    /// Were every holder to wait at once, the engine's liveness fallback runs an iteration.
    /// A lost request preempts no one (`lostWaitsForMemory`).
    func packer(_ candidates: [Candidate], states: SnapshotRows, running: Int) -> BatchPacker {
        var preemptible = Set<RequestID>(), waits = Set<RequestID>()
        var mayPreempt: [Bool]?  // built at the first lost request: most iterations have none
        for c in candidates {
            if options.lostWaitsForMemory && c.tier == .hopeless && c.isLost {
                if mayPreempt == nil { mayPreempt = [Bool](repeating: true, count: candidates.count) }
                mayPreempt?[c.index] = false
            }
            guard c.index < running else { continue }
            if c.tier == .hopeless && states[c.index].kind != .latency { preemptible.insert(c.id) }
            if options.onlyUrgentPreempts && c.tier != .urgent { waits.insert(c.id) }
        }
        return BatchPacker(chunkedPrefill: true, maxPreemptions: options.maxPreemptionsPerIteration,
                           isPreemptible: { [preemptible, waits] victim, claimant in
                               (claimant.holdsKV && !waits.contains(claimant.id)) || preemptible.contains(victim.id)
                           }, mayPreempt: mayPreempt)
    }

    /// How many of `ordered` one iteration takes before its token budget or batch cap runs out
    /// (memory aside): the M that grouping chooses a window of. The batch cap alone would let
    /// grouping reorder far past what runs, trading ranked requests for similar lengths.
    func batchSize(_ ordered: [Candidate], states: SnapshotRows, budget: BatchBudget) -> Int {
        var tokensLeft = budget.maxBatchedTokens, count = 0
        for c in ordered {
            if count == budget.maxRunning || tokensLeft <= 0 { break }
            tokensLeft -= states[c.index].pendingTokenCount
            count += 1
        }
        return count
    }

    static func servedBefore(_ a: Candidate, _ b: Candidate) -> Bool {
        if a.tier != b.tier { return a.tier < b.tier }
        switch a.tier {
        case .urgent, .deferred, .hopeless:
            if a.density != b.density { return a.density > b.density }
        case .ahead:
            if a.laxity != b.laxity { return a.laxity < b.laxity }
        }
        return a.arrivedAt != b.arrivedAt ? a.arrivedAt < b.arrivedAt : a.id < b.id
    }

    /// f(x) = min(1, x)^p: ~1 when the time allowed covers the time needed, ~0 otherwise.
    func onTimeFactor(_ x: Double) -> Double {
        x >= 1 ? 1 : (x <= 0 ? 0 : Self.power(x, options.onTimeExponent))
    }

    /// `x` to a whole power `n ≥ 0`, by repeated squaring: a few exact-enough multiplications
    /// where Foundation's `pow` would pull Foundation into the scheduling module.
    static func power(_ x: Double, _ n: Int) -> Double {
        var result = 1.0, base = x, e = n
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }
}

extension GMAXScheduler.Candidate: Ranked {
    static func servedBefore(_ a: Self, _ b: Self) -> Bool { GMAXScheduler.servedBefore(a, b) }

    /// Its prefill draws on the ration when there is one (`prefillRation`): lost and prefilling,
    /// or deferred while waiting for memory.
    var isRationed: Bool { tier == .hopeless ? isLost && isPrefilling : waitsForMemory }
}
