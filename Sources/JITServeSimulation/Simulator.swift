import JITServeCore
import JITServeEngine
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
/// With several replicas, a load balancer sends each request to the replica with the fewest
/// requests in flight, and every call of a workflow to the replica its first call went to.
/// Deterministic: the same workload, policy and executors give the same records.
public final class Simulator {
    public struct Options: Sendable {
        /// How long after the arrival window the run may go on finishing requests.
        public var drainLimit: Duration
        public var replicaCount: Int
        /// Called now and then with the fraction of the arrival window replayed.
        public var progress: (@Sendable (Double) -> Void)?
        /// End the run as soon as no request left (in flight or still to arrive) could earn any
        /// goodput: every one of them is past the last instant its SLO could still count a
        /// token. Goodput and attainment are exactly those of running on; counts of finished
        /// requests and latency percentiles are not (the rest is reported unfinished).
        public var stopsWhenNothingCanCount: Bool

        public init(drainLimit: Duration = .seconds(600), replicaCount: Int = 1,
                    progress: (@Sendable (Double) -> Void)? = nil, stopsWhenNothingCanCount: Bool = false) {
            self.drainLimit = drainLimit
            self.replicaCount = replicaCount
            self.progress = progress
            self.stopsWhenNothingCanCount = stopsWhenNothingCanCount
        }
    }

    /// One engine with its own executor and virtual time.
    private struct Replica {
        let engine: EngineCore
        let executor: any TraceReplayExecutor
        var now: Double = 0
        var inFlight = 0
        var stalled = false
    }

    public let workload: Workload
    public let plan: WorkloadPlan
    private var replicas: [Replica]
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
        replicas = try (0..<options.replicaCount).map { _ in
            let executor = makeExecutor()
            return Replica(engine: try makeEngine(executor, plan), executor: executor)
        }
    }

    /// How the replicas' engines were put together (all alike).
    public var engineWiring: EngineWiring { replicas[0].engine.wiring }

    /// Replays the workload. Requests the engine refuses (too long for the model or the KV
    /// cache) are recorded as rejected.
    public func run() throws -> SimulationResult {
        var records: [RequestRecord] = []
        records.reserveCapacity(workload.callCount)
        var arrivals = ArrivalQueue(plan: plan)
        var workflowReplica: [WorkflowID: Int] = [:]
        let windowEnd = workload.duration.seconds
        let stopAt = windowEnd + options.drainLimit.seconds
        var iterations = 0
        var lastProgress = -1.0
        // The last instant each call in flight could still earn goodput (early stop only).
        var lastUseful: [RequestID: Double] = [:]

        func callFinished(_ wf: WorkflowID, at time: Double, replica r: Int) {
            guard let done = arrivals.callFinished(wf, at: time) else { return }
            replicas[r].engine.finishWorkflow(done)
            workflowReplica[done] = nil
        }

        while true {
            // The busy replica furthest behind in time acts next, unless an arrival comes first.
            var next: Int?
            for r in replicas.indices where replicas[r].engine.hasWork && !replicas[r].stalled && replicas[r].now <= stopAt {
                if next == nil || replicas[r].now < replicas[next!].now { next = r }
            }
            if let arrival = arrivals.peekTime(), arrival <= stopAt, next == nil || arrival <= replicas[next!].now {
                let request = arrivals.pop()
                let r = route(request, workflowReplica: &workflowReplica)
                replicas[r].now = max(replicas[r].now, arrival)
                replicas[r].stalled = false
                replicas[r].executor.register(request.id, outputTokenCount: plan.outputTokenCount[request.id] ?? 1)
                do {
                    try replicas[r].engine.add(request)
                    replicas[r].inFlight += 1
                    if options.stopsWhenNothingCanCount { lastUseful[request.id] = lastUsefulInstant(of: request) }
                } catch {
                    var timeline = RequestTimeline(arrivedAt: request.arrivedAt)
                    timeline.finishedAt = request.arrivedAt
                    timeline.finishReason = .rejected
                    records.append(RequestRecord(request: request, timeline: timeline))
                    // A rejected call still ends its stage, so the workflow does not hang.
                    if let wf = request.slo.workflowID { callFinished(wf, at: arrival, replica: r) }
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
                // Nothing fits on this replica now; only a new arrival can change that.
                replicas[r].stalled = true
                continue
            }
            replicas[r].now = report.finishedAt.seconds
            for record in report.finished {
                records.append(record)
                if options.stopsWhenNothingCanCount { lastUseful[record.request.id] = nil }
                replicas[r].inFlight -= 1
                if let wf = record.request.slo.workflowID { callFinished(wf, at: replicas[r].now, replica: r) }
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
            workflowCallCounts: plan.workflowCallCounts
        )
    }

    /// The last instant at which `request` could still earn goodput: its last true token's due
    /// time (latency), its deadline, or its workflow's.
    private func lastUsefulInstant(of request: Request) -> Double {
        let due = request.slo.dueSchedule(arrivedAt: request.arrivedAt)
        let length = plan.outputTokenCount[request.id] ?? request.maxOutputTokens
        return due.dueSeconds(max(0, length - 1)) + GoodputAccountant.tolerance
    }

    /// The least-loaded replica, with workflow affinity (ties to the lowest index).
    private func route(_ request: Request, workflowReplica: inout [WorkflowID: Int]) -> Int {
        if let wf = request.slo.workflowID, let r = workflowReplica[wf] { return r }
        var best = 0
        for r in replicas.indices.dropFirst() where replicas[r].inFlight < replicas[best].inFlight { best = r }
        if let wf = request.slo.workflowID { workflowReplica[wf] = best }
        return best
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
    /// True calls per workflow: what a workflow's verdict needs to see.
    public var workflowCallCounts: [WorkflowID: Int] = [:]
}
