import JITServeCore
import JITServeEngine
import JITServeRouter
import JITServeScheduling

/// An executor that replays a trace: told each request's true output length, it ends the
/// request there. (The simulated GPU executor; tests use small hand-made ones.)
public protocol TraceReplayExecutor: Executor {
    func register(_ id: RequestID, outputTokenCount: Int)
}

extension SimulatedExecutor: TraceReplayExecutor {}

/// Discrete-event replay of a workload through the real engine and scheduler under a virtual
/// clock: arrivals enter at their timestamps, each iteration advances time by the executor's
/// modelled duration, and a workflow's next stage is released when its current stage finishes.
///
/// With several replicas, a `Router` picks each request's replica from snapshots of the
/// replicas built as their `/metrics` would show them (DESIGN §10); by default `least-loaded`:
/// the fewest requests in flight, a workflow's calls on the replica its first call went to.
/// A request the router sheds (429) is recorded as `.shed`: it fails its SLO.
///
/// Each replica's engine applies its own admission control (`EngineConfiguration.admission`)
/// at every arrival routed to it, as `jitserve serve` does before a request enters its live
/// engine: the same rule, from that engine's load at the simulated instant and its departure
/// rate over the same window (`DepartureRate`, fed with the replica's simulated departures).
/// A refused request is recorded as `.shed` too — as `bench live` records a 429.
/// Deterministic: the same workload, policy, router and executors give the same records.
public final class Simulator {
    public struct Options: Sendable {
        /// How long after the arrival window the run may go on finishing requests.
        public var drainLimit: Duration
        public var replicaCount: Int
        /// Picks each request's replica (a fresh router per run is the caller's to give).
        public var router: any Router
        /// How often the router's view of a replica is refreshed, as a picker scrapes
        /// `/metrics`; between scrapes it adds its own picks (assumed load). Zero: a fresh
        /// snapshot at every arrival.
        public var scrapeInterval: Duration
        /// Called now and then with the fraction of the arrival window replayed.
        public var progress: (@Sendable (Double) -> Void)?
        /// End the run as soon as no request left (in flight or still to arrive) could earn any
        /// goodput: every one of them is past the last instant its SLO could still count a
        /// token. Goodput and attainment are exactly those of running on; counts of finished
        /// requests and latency percentiles are not (the rest is reported unfinished).
        public var stopsWhenNothingCanCount: Bool

        public init(drainLimit: Duration = .seconds(600), replicaCount: Int = 1,
                    router: (any Router)? = nil, scrapeInterval: Duration = .zero,
                    progress: (@Sendable (Double) -> Void)? = nil, stopsWhenNothingCanCount: Bool = false) {
            self.drainLimit = drainLimit
            self.replicaCount = replicaCount
            // The simulator tells the router when each workflow ends, so none need expire.
            self.router = router ?? LeastLoadedRouter(ledger: RoutingLedger(workflowExpiry: nil))
            self.scrapeInterval = scrapeInterval
            self.progress = progress
            self.stopsWhenNothingCanCount = stopsWhenNothingCanCount
        }
    }

    /// One engine with its own executor and virtual time.
    struct Replica {
        let engine: EngineCore
        let executor: any TraceReplayExecutor
        let endpoint: String
        /// Requests leaving this engine, for its admission control (as a server's metrics).
        let departures = DepartureRate()
        var now: Double = 0
        var stalled = false
        /// The router's last view of it.
        var snapshot: ReplicaSnapshot?
    }

    public let workload: Workload
    public let plan: WorkloadPlan
    var replicas: [Replica]
    private let options: Options

    /// - Parameters:
    ///   - makeExecutor: Builds one executor per replica.
    ///   - makeEngine: Builds the engine around a replica's executor (the caller's engine
    ///     builder: the same one a server uses). It gets the plan so that an oracle policy can
    ///     be told true lengths and shapes; every other policy must ignore it.
    public init(
        workload: Workload, makeExecutor: () -> any TraceReplayExecutor,
        makeEngine: (_ executor: any TraceReplayExecutor, _ plan: WorkloadPlan) throws -> EngineCore,
        options: Options = .init()
    ) rethrows {
        precondition(options.replicaCount >= 1, "at least one replica")
        self.workload = workload
        let plan = WorkloadPlan(workload)
        self.plan = plan
        self.options = options
        replicas = try (0..<options.replicaCount).map { r in
            let executor = makeExecutor()
            return Replica(engine: try makeEngine(executor, plan), executor: executor, endpoint: "replica-\(r)")
        }
    }

    /// How the replicas' engines were put together (all alike).
    public var engineWiring: EngineWiring { replicas[0].engine.wiring }

    /// Replays the workload. Requests the engine refuses (too long for the model or the KV
    /// cache) are recorded as rejected, those the router or admission control sheds as shed.
    public func run() throws -> SimulationResult {
        var records: [RequestRecord] = []
        records.reserveCapacity(workload.callCount)
        var arrivals = ArrivalQueue(plan: plan)
        var router = options.router
        /// The replicas each running workflow's calls went to (told when it ends).
        var workflowReplicas: [WorkflowID: [Int]] = [:]
        let windowEnd = workload.duration.seconds
        let stopAt = windowEnd + options.drainLimit.seconds
        var iterations = 0
        var shedCount = 0
        var lastProgress = -1.0
        // The last instant each call in flight could still earn goodput (early stop only).
        var lastUseful: [RequestID: Double] = [:]

        /// Workflows one of whose calls was shed or rejected: their shape, cut short, must
        /// teach no analyzer (`EngineCore.finishWorkflow`).
        var lostCallWorkflows: Set<WorkflowID> = []
        func callFinished(_ wf: WorkflowID, at time: Double) {
            guard let done = arrivals.callFinished(wf, at: time) else { return }
            let isWhole = lostCallWorkflows.remove(done) == nil
            for r in workflowReplicas.removeValue(forKey: done) ?? [] {
                replicas[r].engine.finishWorkflow(done, teachesAnalyzer: isWhole)
            }
            router.didFinishWorkflow(done)
        }
        func callLost(_ request: Request, at time: Double) {
            guard let wf = request.slo.workflowID else { return }
            lostCallWorkflows.insert(wf)
            callFinished(wf, at: time)
        }

        while true {
            // The busy replica furthest behind in time acts next, unless an arrival comes first.
            var next: Int?
            for r in replicas.indices where replicas[r].engine.hasWork && !replicas[r].stalled && replicas[r].now <= stopAt {
                if next == nil || replicas[r].now < replicas[next!].now { next = r }
            }
            if let arrival = arrivals.peekTime(), arrival <= stopAt, next == nil || arrival <= replicas[next!].now {
                let request = arrivals.pop()
                var routed = RoutingRequest(request)
                let decision = router.route(&routed, endpoints: snapshots(at: arrival, readsLoad: router.readsReplicaLoad),
                                            now: Instant(seconds: arrival))
                guard let r = decision.primary else {
                    shedCount += 1
                    records.append(Self.endedAtArrival(request, reason: .shed))
                    // A shed call still ends its stage, so the workflow does not hang.
                    callLost(request, at: arrival)
                    continue
                }
                if admissionRefuses(request, on: r, at: arrival) {
                    shedCount += 1
                    records.append(Self.endedAtArrival(request, reason: .shed))
                    router.didFinish(routed, at: replicas[r].endpoint, outputTokenCount: nil, now: Instant(seconds: arrival))
                    callLost(request, at: arrival)
                    continue
                }
                if let wf = request.slo.workflowID, !(workflowReplicas[wf]?.contains(r) ?? false) {
                    workflowReplicas[wf, default: []].append(r)
                }
                replicas[r].now = max(replicas[r].now, arrival)
                replicas[r].stalled = false
                replicas[r].executor.register(request.id, outputTokenCount: plan.outputTokenCount[request.id] ?? 1)
                do {
                    try replicas[r].engine.add(request)
                    if options.stopsWhenNothingCanCount { lastUseful[request.id] = lastUsefulInstant(of: request) }
                } catch {
                    records.append(Self.endedAtArrival(request, reason: .rejected))
                    router.didFinish(routed, at: replicas[r].endpoint, outputTokenCount: nil, now: Instant(seconds: arrival))
                    // A rejected call still ends its stage, so the workflow does not hang.
                    callLost(request, at: arrival)
                }
                if let progress = options.progress, windowEnd > 0, arrival / windowEnd - lastProgress >= 0.01 {
                    lastProgress = min(1, arrival / windowEnd)
                    progress(lastProgress)
                }
                continue
            }
            guard let r = next else { break }
            if options.stopsWhenNothingCanCount, iterations % 256 == 0, arrivals.peekTime().map({ $0 > stopAt }) ?? true,
               let latest = lastUseful.values.max(), latest < replicas[r].now {
                break
            }
            let report = try replicas[r].engine.step(now: Instant(seconds: replicas[r].now))
            iterations += 1
            if report.isIdle {
                // Nothing fits on this replica now; only a new arrival can change that. What
                // the engine shed meanwhile is recorded below, at the replica's clock.
                replicas[r].stalled = true
            } else {
                replicas[r].now = report.finishedAt.seconds
            }
            for record in report.finished {
                records.append(record)
                if record.timeline.finishReason == .shed { shedCount += 1 }
                replicas[r].departures.record(record)
                if options.stopsWhenNothingCanCount { lastUseful[record.request.id] = nil }
                router.didFinish(
                    RoutingRequest(record.request), at: replicas[r].endpoint,
                    outputTokenCount: record.timeline.outputTokenCount, now: report.finishedAt)
                if let wf = record.request.slo.workflowID { callFinished(wf, at: replicas[r].now) }
            }
        }
        var unfinishedCount = 0
        for replica in replicas {
            let unfinished = replica.engine.unfinishedRecords()
            unfinishedCount += unfinished.count
            records.append(contentsOf: unfinished)
        }
        // Calls that never arrived because the run ended first.
        while arrivals.peekTime() != nil {
            let request = arrivals.pop()
            records.append(RequestRecord(request: request, timeline: RequestTimeline(arrivedAt: request.arrivedAt)))
            unfinishedCount += 1
        }
        records.sort { $0.request.id < $1.request.id }
        let report = GoodputAccountant.report(
            records: records, workflowCallCounts: plan.workflowCallCounts, duration: workload.duration)
        return SimulationResult(
            records: records, report: report, iterationCount: iterations,
            simulatedSeconds: replicas.map(\.now).max() ?? 0,
            unfinishedCount: unfinishedCount + arrivals.unreleasedCallCount,
            unreleasedCallCount: arrivals.unreleasedCallCount, callCount: workload.callCount,
            shedCount: shedCount,
            workflowCallCounts: plan.workflowCallCounts
        )
    }

    /// Every replica as the router sees it at `time`: refreshed when the last scrape is older
    /// than the scrape interval (always, with interval zero).
    private func snapshots(at time: Double, readsLoad: Bool) -> [ReplicaSnapshot] {
        let now = Instant(seconds: time)
        let interval = options.scrapeInterval.seconds
        for r in replicas.indices {
            if let last = replicas[r].snapshot, interval > 0, time - last.scrapedAt.seconds < interval { continue }
            let engine = replicas[r].engine
            replicas[r].snapshot = ReplicaSnapshot(
                endpoint: replicas[r].endpoint, scrapedAt: now, stats: engine.stats,
                load: readsLoad ? engine.load(now: now) : nil)
        }
        return replicas.map { $0.snapshot! }
    }

    /// The record of a request that ended where it arrived (refused by an engine, or shed).
    private static func endedAtArrival(_ request: Request, reason: FinishReason) -> RequestRecord {
        var timeline = RequestTimeline(arrivedAt: request.arrivedAt)
        timeline.finishedAt = request.arrivedAt
        timeline.finishReason = reason
        return RequestRecord(request: request, timeline: timeline)
    }

    /// The last instant at which `request` could still earn goodput: its last true token's due
    /// time (latency), its deadline, or its workflow's.
    private func lastUsefulInstant(of request: Request) -> Double {
        let due = request.slo.dueSchedule(arrivedAt: request.arrivedAt)
        let length = plan.outputTokenCount[request.id] ?? request.maxOutputTokens
        return due.dueSeconds(max(0, length - 1)) + GoodputAccountant.tolerance
    }
}

/// The outcome of one replay.
public struct SimulationResult: Sendable {
    public var records: [RequestRecord]
    public var report: GoodputReport
    public var iterationCount: Int
    /// Virtual time when the replay ended.
    public var simulatedSeconds: Double
    /// Calls not finished when the drain limit ended the run (never released ones included).
    public var unfinishedCount: Int
    /// Workflow calls whose stage was never released (absent from `records`).
    public var unreleasedCallCount: Int
    /// Calls in the workload, every workflow call included.
    public var callCount: Int
    /// Calls shed (429) by the router or by a replica's admission control: recorded with finish
    /// reason `.shed`, failed in goodput.
    public var shedCount: Int = 0
    /// True calls per workflow: what a workflow's verdict needs to see.
    public var workflowCallCounts: [WorkflowID: Int] = [:]
}
