import JITServeCore
import JITServeEngine
import JITServeScheduling

/// An executor that replays a trace: told each request's true output length, it ends the
/// request there. (The simulated GPU executor; tests use small hand-made ones.)
public protocol TraceReplayExecutor: Executor {
    func register(_ id: RequestID, outputTokenCount: Int)
}

/// Discrete-event replay of a workload through the real engine and scheduler under a virtual
/// clock: arrivals enter at their timestamps, each iteration advances time by the executor's
/// modelled duration, and a workflow's next stage is released when its current stage finishes.
/// Deterministic: the same workload, policy and executor give the same records.
public final class Simulator {
    public struct Options: Sendable {
        public var engine: EngineConfiguration
        /// How long after the arrival window the run may go on finishing requests.
        public var drainLimit: Duration
        /// Called now and then with the fraction of the arrival window replayed.
        public var progress: (@Sendable (Double) -> Void)?

        public init(engine: EngineConfiguration = .init(), drainLimit: Duration = .seconds(600),
                    progress: (@Sendable (Double) -> Void)? = nil) {
            self.engine = engine
            self.drainLimit = drainLimit
            self.progress = progress
        }
    }

    public let workload: Workload
    public let plan: WorkloadPlan
    private let engine: EngineCore
    private let executor: any TraceReplayExecutor
    private let options: Options

    /// - Parameters:
    ///   - lengthPredictor: Made from the plan, so an oracle can be told true lengths; every
    ///     other predictor must ignore the plan.
    public init(
        workload: Workload, executor: any TraceReplayExecutor, scheduler: any Scheduler,
        lengthPredictor: (WorkloadPlan) -> any OutputLengthPredictor,
        workflowPredictor: (WorkloadPlan) -> (any WorkflowPredictor)?,
        options: Options = .init()
    ) {
        self.workload = workload
        self.plan = WorkloadPlan(workload)
        self.executor = executor
        self.options = options
        engine = EngineCore(
            executor: executor, scheduler: scheduler, configuration: options.engine,
            lengthPredictor: lengthPredictor(plan), workflowPredictor: workflowPredictor(plan)
        )
    }

    /// Replays the workload. Requests the engine refuses (too long for the model or the KV
    /// cache) are recorded as rejected.
    public func run() throws -> SimulationResult {
        var records: [RequestRecord] = []
        records.reserveCapacity(workload.callCount)
        var arrivals = ArrivalQueue(plan: plan)
        let windowEnd = workload.duration.seconds
        let stopAt = windowEnd + options.drainLimit.seconds
        var now = 0.0
        var iterations = 0
        var lastProgress = -1.0

        func admit(_ request: Request) {
            do {
                try engine.add(request)
            } catch {
                var timeline = RequestTimeline(arrivedAt: request.arrivedAt)
                timeline.finishedAt = request.arrivedAt
                timeline.finishReason = .rejected
                records.append(RequestRecord(request: request, timeline: timeline))
                // A rejected call still ends its stage, so the workflow does not hang.
                if let wf = request.slo.workflowID { release(arrivals.callFinished(wf, at: request.arrivedAt.seconds)) }
            }
        }
        func release(_ finishedWorkflow: WorkflowID?) {
            if let wf = finishedWorkflow { engine.finishWorkflow(wf) }
        }

        while true {
            while let next = arrivals.peekTime(), next <= now {
                let request = arrivals.pop()
                executor.register(request.id, outputTokenCount: plan.outputTokenCount[request.id] ?? 1)
                admit(request)
            }
            if let progress = options.progress, windowEnd > 0 {
                let fraction = min(1, now / windowEnd)
                if fraction - lastProgress >= 0.01 { progress(fraction); lastProgress = fraction }
            }
            if now > stopAt { break }
            if engine.hasWork {
                let report = try engine.step(now: Instant(seconds: now))
                iterations += 1
                if report.isIdle {
                    // Nothing fits right now; only a new arrival can change that.
                    guard let next = arrivals.peekTime() else { break }
                    now = max(now, next)
                    continue
                }
                now = report.finishedAt.seconds
                for record in report.finished {
                    records.append(record)
                    if let wf = record.request.slo.workflowID {
                        release(arrivals.callFinished(wf, at: now))
                    }
                }
            } else if let next = arrivals.peekTime() {
                now = next
            } else {
                break
            }
        }
        let unfinished = engine.unfinishedRecords()
        records.append(contentsOf: unfinished)
        records.sort { $0.request.id < $1.request.id }
        let report = GoodputAccountant.report(
            records: records, workflowCallCounts: plan.workflowCallCounts, duration: workload.duration)
        return SimulationResult(
            records: records, report: report, iterationCount: iterations,
            simulatedSeconds: now, unfinishedCount: unfinished.count + arrivals.unreleasedCallCount
        )
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
}
