import JITServeCore
import JITServeScheduling

/// The iteration loop (DESIGN §3): each `step` is `admit(plan)` → `execute` → `apply(outcome)`.
///
/// - `admit` carries out the scheduler's plan: preempts, moves KV blocks, and decides what runs;
/// - `execute` hands that batch to the executor;
/// - `apply` records every token's delivery, feeds it through the request's `Detokenizer`, and
///   retires the requests that finished.
/// Each step is public so that a test can drive one with a hand-made plan or outcome.
///
/// Not thread-safe: exactly one owner drives it — the simulation driver under a virtual clock,
/// or the live engine on its own thread under the wall clock. The scheduler sees a snapshot and
/// returns plain data. `KVBlockManager` is the one owner of KV state; a request's share of it is
/// read from there whenever a snapshot is taken.
public final class EngineCore {
    public let configuration: EngineConfiguration
    public let scheduler: any Scheduler
    public let executor: any Executor
    /// What every request is checked against before it is queued.
    public let limits: RequestLimits
    /// Makes each request's output text when set (real tokens); nil in trace replay.
    public let textCodec: (any TextCodec)?
    var lengthPredictor: any OutputLengthPredictor
    var workflowPredictor: (any WorkflowPredictor)?
    var blocks: KVBlockManager

    /// Requests holding device KV, in admission order.
    var running: [EngineSequence] = []
    /// Requests without device KV (new, recompute-preempted, swapped out), by arrival.
    var waiting: [EngineSequence] = []
    /// `waiting`'s scheduler rows, index for index (see `EngineCore+Waiting`).
    var waitingRows: [SequenceState] = []
    /// How many of `waiting` may start after a cached prefix: their rows are read again at
    /// each snapshot.
    var waitingPrefixCacheUserCount = 0
    var byID: [RequestID: EngineSequence] = [:]

    // Per live workflow, freed together by `finishWorkflow` (see `WorkflowLedger` for when).
    var workflowEstimates: [WorkflowID: WorkflowEstimate] = [:]
    var workflowServiceTokens: [WorkflowID: Int] = [:]
    var workflowCalls: [WorkflowID: WorkflowLedger] = [:]
    /// Workflows the engine ended on its own (final call done, or idle expiry) since the owner
    /// last took them (`takeEndedWorkflows`): a server forgets their names.
    var endedWorkflows: [WorkflowID] = []

    var iterationSeconds: Double
    var iterationNumber = 0
    var counters = EngineStats()

    public init(
        executor: any Executor, scheduler: any Scheduler, configuration: EngineConfiguration = .init(),
        lengthPredictor: any OutputLengthPredictor, workflowPredictor: (any WorkflowPredictor)? = nil,
        textCodec: (any TextCodec)? = nil
    ) {
        self.executor = executor
        self.scheduler = scheduler
        self.configuration = configuration
        self.lengthPredictor = lengthPredictor
        self.workflowPredictor = workflowPredictor
        self.textCodec = textCodec
        blocks = KVBlockManager(
            blockSize: executor.blockSize, deviceBlockCount: executor.kvBlockCapacity,
            hostBlockCount: configuration.preemptionMode == .swap ? executor.swapBlockCapacity : 0,
            enablePrefixCaching: configuration.enablePrefixCaching
        )
        limits = RequestLimits(
            maxModelLength: executor.maxModelLength, kvCapacityTokens: executor.kvBlockCapacity * executor.blockSize,
            rejectsOutputBeyondContext: configuration.rejectsOutputBeyondContext)
        // A neutral first guess (a small decode step) until the first iteration is measured.
        iterationSeconds = 0.02
    }

    /// True while any request is running or waiting.
    public var hasWork: Bool { !running.isEmpty || !waiting.isEmpty }

    public var stats: EngineStats {
        var s = counters
        s.runningCount = running.count
        s.waitingCount = waiting.count
        s.kvUsage = blocks.usage
        s.usedBlockCount = blocks.usedBlockCount
        s.cachedBlockCount = blocks.cachedBlockCount
        s.workflowCount = workflowCalls.count
        s.workflowEstimateCount = workflowEstimates.count
        s.workflowServiceTokenCount = workflowServiceTokens.count
        return s
    }

    /// True when the block manager's accounting holds (see `KVBlockManager.checkInvariants`):
    /// for tests and debugging, never on the iteration path.
    public func kvBlocksAreConsistent() -> Bool { blocks.checkInvariants() }

    /// Recent iteration time, seconds (running average).
    public var recentIterationSeconds: Double { iterationSeconds }

    /// How this engine's policy was put together: scheduler, predictors and admission, with settings.
    public var wiring: EngineWiring {
        EngineWiring(
            scheduler: scheduler, lengthPredictor: lengthPredictor, workflowPredictor: workflowPredictor,
            admission: configuration.admission)
    }

    /// Admits a request to the waiting queue.
    public func add(_ request: Request, options: SubmissionOptions = .init()) throws(EngineError) {
        guard byID[request.id] == nil else { throw .duplicateRequest(request.id) }
        try limits.validate(request)
        if let n = options.replayedOutputTokenCount, n < 1 {
            throw .invalidRequest(request.id, field: "replayed output tokens", reason: "must be at least 1, got \(n)")
        }
        let sequence = EngineSequence(request: request, length: lengthPredictor.distribution(for: request))
        sequence.replayedOutputTokenCount = options.replayedOutputTokenCount
        if let textCodec, request.promptTokenIDs != nil {
            sequence.detokenizer = textCodec.makeDetokenizer(stopStrings: request.sampling.stopStrings)
        }
        if case .compound(let slo) = request.slo {
            noteWorkflowCall(request, slo: slo, endsWorkflow: options.endsWorkflow)
        }
        byID[request.id] = sequence
        insertWaiting(sequence)
        counters.promptTokenCount += request.promptTokenCount
    }

    /// Removes a request at once (its client went away), freeing its KV. Returns its record
    /// (finish reason `.cancelled`), or nil when the engine does not hold it (already finished).
    @discardableResult
    public func cancel(_ id: RequestID, at now: Instant) -> RequestRecord? {
        guard let sequence = byID[id] else { return nil }
        if sequence.isRunning {
            running.removeAll { $0 === sequence }
        } else {
            removeFromWaiting([sequence])
        }
        return retire(sequence, reason: .cancelled, at: now)
    }

    /// Runs one iteration starting at `now`. Requests shed before it (see
    /// `shedMissedStarts`) come first among its finished ones, also when nothing could run.
    public func step(now: Instant) throws(EngineError) -> IterationReport {
        let shed = shedMissedStarts(now: now)
        let admission = admit(plan(now: now), now: now)
        guard !admission.isEmpty else {
            return IterationReport(
                startedAt: now, elapsed: .zero, tokens: [], finished: shed, batchSize: 0,
                preemptionCount: admission.preemptionCount)
        }
        let outcome = try execute(admission)
        var report = apply(outcome, to: admission)
        report.finished.insert(contentsOf: shed, at: 0)
        return report
    }

    /// Records of every request still held (running or waiting), by ID: a run cut short
    /// reports them as they stand.
    public func unfinishedRecords() -> [RequestRecord] {
        (running + waiting).map(\.record).sorted { $0.request.id < $1.request.id }
    }
}
