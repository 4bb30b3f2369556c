import JITServeCore

/// SLOs-Serve (Chen et al., "SLOs-Serve: Optimized Serving of Multi-SLO LLMs", 2025,
/// arXiv 2504.08784) as a baseline: the strongest SLO-aware peer the JITServe artifact compares
/// against.
///
/// Every request is turned into per-stage SLOs — a prefill deadline and a decode pace (TPOT).
/// Each iteration, a dynamic program (`SLOAdmissionPlanner`) admits the new requests whose
/// prefill chunks and decodes fit the token budget, the batch cap and the KV cache without
/// breaking an admitted request's deadlines; the batch is then filled earliest stage deadline
/// first over admitted work. Admitted requests that slipped past a deadline get what is left,
/// and declined or hopeless requests are served best effort after them ("soft" admission: a
/// declined request is deferred, not dropped, and is weighed again next iteration).
///
/// It sees what every non-oracle policy sees: the length distribution's conservative bound
/// (turning a deadline into a decode pace), SLOs, the measured iteration time and the workflow
/// analyzer's stage sub-deadlines for compound calls.
public struct SLOsServeScheduler: Scheduler {
    /// The policy's knobs; the defaults are what `slos-serve` runs.
    public struct Options: Hashable, Sendable {
        /// Quantile of the conservative output-length bound that converts a deadline into a pace.
        public var quantile = 0.95
        /// New requests the dynamic program weighs per iteration: the earliest prefill deadlines
        /// among the `candidateWindow` most urgent new streams and as many of the most urgent
        /// new deadline or compound calls.
        public var candidateWindow = 32
        /// Pareto states kept per admitted count in the dynamic program.
        public var frontierWidth = 4
        /// Most requests preempted per iteration; bounds churn.
        public var maxPreemptionsPerIteration = 8
        /// Shrink the token budget when iterations run longer than the tightest admitted stream's
        /// TBT allows (the paper's batch size chosen from the tightest TPOT).
        public var tbtGuard = true
        /// Share of the batch cap the dynamic program may commit to decode paces. SLOs-Serve
        /// plans with a fitted latency model plus headroom; here the only clock is the measured
        /// iteration time, which swings several-fold when a long prefill chunk joins the batch,
        /// and prefill chunks need places too. Committing every place lets paced streams slip at
        /// the first slow iteration.
        public var decodeSlotShare = 0.7

        public init() {}
    }

    public let name: String
    public let options: Options

    public init(name: String = "slos-serve", options: Options = .init()) {
        self.name = name
        self.options = options
    }

    /// Where a request stands with admission control, in the order classes are served.
    enum Standing {
        /// Has been served and still meets its stage deadlines: its SLO is guaranteed.
        case admitted
        /// Has been served but will miss its next deadline: gets what admitted work leaves.
        case overdue
        /// New and could meet its SLO, but does not fit (or was not weighed) this iteration.
        case declined
        /// New and cannot meet its SLO any more.
        case hopeless
    }

    /// What a cheap pass over the waiting queue made of a new request.
    enum Screening: UInt8 {
        /// Weighed in `stages` (admitted or declined there), or started.
        case staged
        /// Could make its SLO but was not weighed, or was declined: best effort.
        case declined
        /// Cannot make its SLO.
        case hopeless
    }

    /// One request's stage SLOs at this iteration; `index` points into running-then-waiting.
    struct Stage {
        var index: Int
        var standing: Standing
        /// The next stage deadline, seconds: the prefill deadline while prefilling, else the
        /// next token's. The batch is filled in this order.
        var dueAt: Double
        var prefillTokens: Int
        /// Decode tokens per iteration its pace asks for (≤ 1).
        var decodeRate: Double
        var arrivedAt: Double
        var id: RequestID
    }

    public func schedule(_ snapshot: SchedulerSnapshot) -> SchedulePlan {
        var budgeted = snapshot
        if options.tbtGuard { applyTBTGuard(&budgeted) }
        let tau = max(snapshot.iterationSeconds, 1e-4)
        let running = snapshot.running, waiting = snapshot.waiting
        var stages = running.indices.map { stage(of: running[$0], index: $0, in: budgeted, tau: tau) }
        var screening = screen(waiting, into: &stages, snapshot: budgeted, tau: tau)
        admit(&stages, snapshot: budgeted, tau: tau)
        for s in stages where s.standing == .declined { screening[s.index - running.count] = .declined }

        // Admitted work earliest stage deadline first, then overdue work by deadline, then the
        // best-effort tail first come, first served: declined requests, then hopeless ones.
        // Only what can run this iteration is handed to the packer: every KV holder, and at most
        // a batch's worth of the tail (plus slack for rows memory turns away).
        var admitted: [Int] = [], overdue: [Int] = []
        for (k, s) in stages.enumerated() {
            if s.standing == .admitted { admitted.append(k) } else if s.standing == .overdue { overdue.append(k) }
        }
        func byDeadline(_ a: Int, _ b: Int) -> Bool {
            let x = stages[a], y = stages[b]
            if x.dueAt != y.dueAt { return x.dueAt < y.dueAt }
            return x.arrivedAt != y.arrivedAt ? x.arrivedAt < y.arrivedAt : x.id < y.id
        }
        admitted.sort(by: byDeadline)
        overdue.sort(by: byDeadline)
        var rows = running
        var order: [Int] = []
        order.reserveCapacity(running.count + budgeted.budget.maxRunning)
        func place(_ index: Int) {
            if index < running.count {
                order.append(index)
            } else {
                rows.append(waiting[index - running.count])
                order.append(rows.count - 1)
            }
        }
        for k in admitted + overdue { place(stages[k].index) }
        var tailLeft = budgeted.budget.maxRunning + options.candidateWindow
        for wanted in [Screening.declined, .hopeless] {
            for (w, s) in screening.enumerated() where s == wanted {
                if tailLeft == 0 { break }
                place(running.count + w)
                tailLeft -= 1
            }
        }
        // Admission reserves memory for admitted requests, so a newcomer takes KV only from work
        // without a guarantee. Reservations use expected lengths and can fall short: then a
        // running request that needs a block to go on may take it from any lower-ranked holder,
        // or a cache full of admitted requests would stall.
        let unprotected = Set(stages.lazy.filter { $0.standing != .admitted && $0.index < running.count }.map(\.id))
        let packer = BatchPacker(chunkedPrefill: true, maxPreemptions: options.maxPreemptionsPerIteration,
                                 isPreemptible: { victim, claimant in claimant.holdsKV || unprotected.contains(victim.id) })
        return packer.pack(order: order, of: rows, snapshot: budgeted)
    }

    /// The paper picks the batch size whose modelled iteration time meets the tightest TPOT.
    /// Without a latency model in the snapshot, scale the token budget by how far the measured
    /// iteration overshoots 0.9 × the tightest TBT among streams still on schedule — the same
    /// estimate GMAX's guard uses.
    func applyTBTGuard(_ snapshot: inout SchedulerSnapshot) {
        let tau = snapshot.iterationSeconds
        var tightest = Double.infinity
        for s in snapshot.running where s.kind == .latency && !s.isPrefilling {
            if s.due.dueSeconds(s.generatedTokenCount) >= snapshot.now.seconds + tau { tightest = min(tightest, s.due.step) }
        }
        let limit = 0.9 * tightest
        guard tightest.isFinite, tau > limit else { return }
        snapshot.budget.maxBatchedTokens = max(64, Int(Double(snapshot.budget.maxBatchedTokens) * limit / tau))
    }
}
