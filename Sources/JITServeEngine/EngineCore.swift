import JITServeCore
import JITServeScheduling

/// The iteration loop: plan → execute → apply (DESIGN §3).
///
/// Not thread-safe: exactly one owner drives it — the simulation driver under a virtual clock,
/// or the live engine on its own thread under the wall clock. The scheduler sees a snapshot and
/// returns plain data; the engine validates the plan, moves KV blocks, runs the executor and
/// records every token's delivery time.
public final class EngineCore {
    public let configuration: EngineConfiguration
    public let scheduler: any Scheduler
    public let executor: any Executor
    private var lengthPredictor: any OutputLengthPredictor
    private var workflowPredictor: (any WorkflowPredictor)?
    private(set) var blocks: KVBlockManager

    /// Requests holding device KV, in admission order.
    private var running: [EngineSequence] = []
    /// Requests without device KV (new, recompute-preempted, swapped out), by arrival.
    private var waiting: [EngineSequence] = []
    private var byID: [RequestID: EngineSequence] = [:]

    private var workflowEstimates: [WorkflowID: WorkflowEstimate] = [:]
    private var workflowServiceTokens: [WorkflowID: Int] = [:]
    private var workflowCalls: [WorkflowID: (application: String?, slo: CompoundSLO, calls: [CallObservation])] = [:]

    private var iterationSeconds: Double
    private var iterationNumber = 0
    private var stats_: EngineStats

    public init(
        executor: any Executor, scheduler: any Scheduler, configuration: EngineConfiguration = .init(),
        lengthPredictor: any OutputLengthPredictor, workflowPredictor: (any WorkflowPredictor)? = nil
    ) {
        self.executor = executor
        self.scheduler = scheduler
        self.configuration = configuration
        self.lengthPredictor = lengthPredictor
        self.workflowPredictor = workflowPredictor
        blocks = KVBlockManager(
            blockSize: executor.blockSize, deviceBlockCount: executor.kvBlockCapacity,
            hostBlockCount: configuration.preemptionMode == .swap ? executor.swapBlockCapacity : 0
        )
        // A neutral first guess (a small decode step) until the first iteration is measured.
        iterationSeconds = 0.02
        stats_ = EngineStats(
            runningCount: 0, waitingCount: 0, kvUsage: 0, usedBlockCount: 0, preemptionCount: 0,
            promptTokenCount: 0, generationTokenCount: 0, iterationCount: 0
        )
    }

    /// True while any request is running or waiting.
    public var hasWork: Bool { !running.isEmpty || !waiting.isEmpty }

    public var stats: EngineStats {
        var s = stats_
        s.runningCount = running.count
        s.waitingCount = waiting.count
        s.kvUsage = blocks.usage
        s.usedBlockCount = blocks.usedBlockCount
        return s
    }

    /// Recent iteration time, seconds (running average).
    public var recentIterationSeconds: Double { iterationSeconds }

    /// Admits a request to the waiting queue.
    public func add(_ request: Request) throws(EngineError) {
        guard byID[request.id] == nil else { throw .duplicateRequest(request.id) }
        try Self.validate(request, maxModelLength: executor.maxModelLength,
                          kvCapacityTokens: blocks.deviceBlockCount * blocks.blockSize)
        let sequence = EngineSequence(request: request, length: lengthPredictor.distribution(for: request))
        if case .compound(let slo) = request.slo { noteWorkflowCall(request, slo: slo) }
        byID[request.id] = sequence
        insertWaiting(sequence)
        stats_.promptTokenCount += request.promptTokenCount
    }

    /// Refuses a request that can never run: no prompt or output room, token IDs that disagree
    /// with the count, a prompt past the model's context or larger than the whole KV cache.
    /// Static, so the live engine can refuse on the caller's thread before queueing.
    public static func validate(_ request: Request, maxModelLength: Int, kvCapacityTokens: Int) throws(EngineError) {
        guard request.promptTokenCount > 0 else {
            throw .invalidRequest(request.id, field: "promptTokenCount", reason: "must be at least 1")
        }
        guard request.maxOutputTokens > 0 else {
            throw .invalidRequest(request.id, field: "maxOutputTokens", reason: "must be at least 1")
        }
        if let ids = request.promptTokenIDs, ids.count != request.promptTokenCount {
            throw .invalidRequest(request.id, field: "promptTokenIDs", reason: "count differs from promptTokenCount")
        }
        guard request.promptTokenCount < maxModelLength else {
            throw .promptTooLong(request.id, promptTokenCount: request.promptTokenCount, maxModelLength: maxModelLength)
        }
        guard request.promptTokenCount + 1 <= kvCapacityTokens else {
            throw .promptExceedsKVCache(request.id, promptTokenCount: request.promptTokenCount, capacityTokens: kvCapacityTokens)
        }
    }

    /// Removes a request at once, freeing its KV. Returns its record (finish reason
    /// `.cancelled`), or nil when the engine does not hold it (already finished).
    @discardableResult
    public func cancel(_ id: RequestID, at now: Instant, reason: FinishReason = .cancelled) -> RequestRecord? {
        guard let sequence = byID[id] else { return nil }
        running.removeAll { $0 === sequence }
        waiting.removeAll { $0 === sequence }
        return retire(sequence, reason: reason, at: now)
    }

    /// Tells the analyzer a workflow has finished (the engine cannot know how many calls a
    /// workflow makes; its client — the agent, or the simulation driver — does).
    public func finishWorkflow(_ id: WorkflowID) {
        workflowEstimates[id] = nil
        workflowServiceTokens[id] = nil
        guard let entry = workflowCalls.removeValue(forKey: id) else { return }
        workflowPredictor?.observeFinished(workflowID: id, application: entry.application, slo: entry.slo, calls: entry.calls)
    }

    /// Runs one iteration starting at `now`.
    public func step(now: Instant) throws(EngineError) -> IterationReport {
        iterationNumber += 1
        let view = snapshot(now: now)
        var plan = scheduler.schedule(view)
        if plan.isEmpty && plan.preempted.isEmpty && hasWork {
            // Liveness: a policy that runs nobody while requests wait would stall the engine
            // (no iteration, so no clock advance, so no new decision). Fall back to first come,
            // first served for this one iteration.
            plan = SarathiScheduler().schedule(view)
        }
        var report = IterationReport(
            startedAt: now, elapsed: .zero, tokens: [], finished: [], batchSize: 0,
            preemptionCount: 0
        )
        var swapOut = 0
        for id in plan.preempted {
            guard let s = byID[id], s.state.holdsKV else { continue }
            swapOut += preempt(s)
            report.preemptionCount += 1
        }
        var swapIn = 0
        var work: [(sequence: EngineSequence, tokenCount: Int)] = []
        var batch: [ScheduledSequence] = []
        batch.reserveCapacity(plan.scheduled.count)
        for item in plan.scheduled {
            guard let s = byID[item.requestID], item.tokenCount >= 1,
                  item.tokenCount <= s.state.pendingTokenCount,
                  s.scheduledInIteration != iterationNumber
            else { continue }
            do {
                if s.state.isSwapped { swapIn += try blocks.swapIn(s.id) }
                try blocks.allocate(s.id, coveringTokens: s.state.computedTokenCount + item.tokenCount)
            } catch {
                // The plan over-committed memory; skip this item rather than fail the iteration.
                continue
            }
            s.scheduledInIteration = iterationNumber
            s.state.isSwapped = false
            s.state.allocatedBlockCount = blocks.deviceBlockCount(of: s.id)
            work.append((s, item.tokenCount))
            batch.append(ScheduledSequence(
                requestID: s.id, tokenCount: item.tokenCount,
                computedTokenCount: s.state.computedTokenCount,
                samplesToken: s.state.computedTokenCount + item.tokenCount == s.state.knownTokenCount,
                tokenIDs: s.tokenIDs, blockTable: blocks.blockTable(for: s.id),
                generatedTokenCount: s.state.generatedTokenCount, sampling: s.request.sampling
            ))
        }
        // Anything that took blocks now runs; anything preempted waits.
        promoteToRunning(work.map(\.sequence))
        guard !batch.isEmpty else {
            stats_.preemptionCount += report.preemptionCount
            return report
        }

        let outcome: ExecutionOutcome
        do {
            outcome = try executor.execute(ExecutionBatch(
                sequences: batch, swapInBlockCount: swapIn, swapOutBlockCount: swapOut))
        } catch {
            throw .executorFailed(String(describing: error))
        }
        report.elapsed = outcome.elapsed
        report.batchSize = batch.count
        // The batch shares each sequence's token array; drop it before appending this
        // iteration's tokens, or every append copies the whole array.
        batch = []
        let doneAt = now + outcome.elapsed
        let alpha = configuration.iterationTimeSmoothing
        iterationSeconds = (1 - alpha) * iterationSeconds + alpha * outcome.elapsed.seconds

        for (s, tokenCount) in work {
            s.state.computedTokenCount += tokenCount
            s.state.attainedServiceTokens += tokenCount
            if let wf = s.state.workflowID { workflowServiceTokens[wf, default: 0] += tokenCount }
            if s.timeline.firstScheduledAt == nil { s.timeline.firstScheduledAt = now }
        }
        var anyFinished = false
        for token in outcome.tokens {
            guard let s = byID[token.requestID] else { continue }
            s.tokenIDs.append(token.tokenID)
            s.state.generatedTokenCount += 1
            s.timeline.tokenDeliveredAt.append(doneAt)
            if s.state.firstTokenAt == nil { s.state.firstTokenAt = doneAt }
            if s.state.kind == .latency,
               doneAt.seconds <= s.state.due.dueSeconds(s.state.generatedTokenCount - 1) + GoodputAccountant.tolerance {
                s.state.onTimeTokenCount += 1
            }
            s.state.lastTokenAt = doneAt
            stats_.generationTokenCount += 1
            report.tokens.append(token)
            let reason: FinishReason? =
                token.isStop ? .stop
                : s.state.generatedTokenCount >= s.request.maxOutputTokens ? .length
                : s.state.knownTokenCount >= executor.maxModelLength ? .length
                : nil
            if let reason {
                report.finished.append(retire(s, reason: reason, at: doneAt))
                anyFinished = true
            }
        }
        if anyFinished { running.removeAll { $0.isFinished } }
        stats_.preemptionCount += report.preemptionCount
        stats_.iterationCount += 1
        return report
    }
}

extension EngineCore {
    /// The scheduler's view of the engine at `now`.
    func snapshot(now: Instant) -> SchedulerSnapshot {
        SchedulerSnapshot(
            now: now,
            running: running.map(\.state),
            waiting: waiting.map(\.state),
            budget: BatchBudget(
                maxBatchedTokens: configuration.maxBatchedTokens, maxRunning: configuration.maxRunning,
                blockSize: blocks.blockSize, freeBlockCount: blocks.freeBlockCount
            ),
            iterationSeconds: iterationSeconds,
            workflows: workflowEstimates,
            workflowServiceTokens: workflowServiceTokens
        )
    }

    /// Gives up `s`'s device KV by swap (when configured and host room exists) or recompute.
    /// Returns the blocks swapped out.
    private func preempt(_ s: EngineSequence) -> Int {
        running.removeAll { $0 === s }
        s.isRunning = false
        var swapped = 0
        if configuration.preemptionMode == .swap, let moved = blocks.swapOut(s.id) {
            swapped = moved
            s.state.isSwapped = true
        } else {
            blocks.free(s.id)
            s.state.computedTokenCount = 0
            executor.release(s.id)
        }
        s.state.allocatedBlockCount = 0
        s.state.preemptionCount += 1
        s.timeline.preemptionCount += 1
        insertWaiting(s)
        return swapped
    }

    private func promoteToRunning(_ scheduled: [EngineSequence]) {
        let fromWaiting = scheduled.filter { !$0.isRunning }
        guard !fromWaiting.isEmpty else { return }
        for s in fromWaiting { s.isRunning = true }
        waiting.removeAll { $0.isRunning }
        running.append(contentsOf: fromWaiting)
    }

    /// Keeps `waiting` in arrival order (a preempted request returns to its place in line).
    private func insertWaiting(_ s: EngineSequence) {
        let key = (s.request.arrivedAt, s.id)
        if let last = waiting.last, (last.request.arrivedAt, last.id) < key {
            waiting.append(s)
            return
        }
        var lo = 0, hi = waiting.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (waiting[mid].request.arrivedAt, waiting[mid].id) < key { lo = mid + 1 } else { hi = mid }
        }
        waiting.insert(s, at: lo)
    }

    private func retire(_ s: EngineSequence, reason: FinishReason, at now: Instant) -> RequestRecord {
        blocks.free(s.id)
        executor.release(s.id)
        byID[s.id] = nil
        s.state.allocatedBlockCount = 0
        s.timeline.finishedAt = now
        s.timeline.finishReason = reason
        s.isFinished = true
        if reason != .cancelled {
            lengthPredictor.observe(s.request, outputTokenCount: s.state.generatedTokenCount)
        }
        if case .compound(let slo) = s.request.slo {
            workflowCalls[slo.workflowID]?.calls.append(CallObservation(
                stage: slo.stage, promptTokenCount: s.request.promptTokenCount,
                outputTokenCount: s.state.generatedTokenCount,
                startedAt: s.request.arrivedAt, finishedAt: now
            ))
        }
        return s.record
    }

    private func noteWorkflowCall(_ request: Request, slo: CompoundSLO) {
        let wf = slo.workflowID
        if workflowCalls[wf] == nil { workflowCalls[wf] = (request.application, slo, []) }
        guard let predictor = workflowPredictor else { return }
        workflowEstimates[wf] = predictor.estimate(
            workflowID: wf, application: request.application, slo: slo,
            completed: workflowCalls[wf]?.calls ?? [], arriving: request
        )
    }
}

extension EngineCore {
    /// Records of every request still held (running or waiting), by ID: a run cut short
    /// reports them as they stand.
    public func unfinishedRecords() -> [RequestRecord] {
        (running + waiting).map(\.record).sorted { $0.request.id < $1.request.id }
    }
}
