import JITServeCore
import JITServeEngine
import JITServeScheduling
import Synchronization
import Testing

/// A live workflow's state is freed when its client marks the last call, or when it has gone
/// idle past its deadline — and the analyzer learns its shape either way.
@Suite struct WorkflowLifecycleTests {
    /// Remembers which workflows it was told had finished, with how many calls.
    final class RecordingAnalyzer: WorkflowPredictor, @unchecked Sendable {
        let name = "recording"
        let finished = Mutex<[WorkflowID: Int]>([:])
        /// Per running workflow, how many calls it had finished each time one finished.
        let progress = Mutex<[WorkflowID: [Int]]>([:])

        func estimate(
            workflowID: WorkflowID, application: String?, slo: CompoundSLO, completed: [CallObservation], arriving: Request
        ) -> WorkflowEstimate {
            WorkflowEstimate(
                remainingStageCount: 1, remainingFutureOutputTokens: 10,
                currentStageDueAt: slo.workflowStartedAt + slo.deadline / 2)
        }

        func observeFinished(workflowID: WorkflowID, application: String?, slo: CompoundSLO, calls: [CallObservation]) {
            finished.withLock { $0[workflowID] = calls.count }
        }

        func observeCallFinished(workflowID: WorkflowID, application: String?, calls: [CallObservation]) {
            progress.withLock { $0[workflowID, default: []].append(calls.count) }
        }
    }

    func engine(idleTimeout: Duration = .seconds(30)) -> (EngineCore, FixedLengthExecutor, RecordingAnalyzer) {
        let executor = FixedLengthExecutor(blocks: 400)
        let analyzer = RecordingAnalyzer()
        let core = EngineCore(
            executor: executor, scheduler: SarathiScheduler(),
            configuration: EngineConfiguration(workflowIdleTimeout: idleTimeout),
            lengthPredictor: FlatPredictor(), workflowPredictor: analyzer)
        return (core, executor, analyzer)
    }

    func call(_ id: UInt64, workflow: UInt64, stage: Int, at: Double, deadline: Duration = .seconds(10)) -> Request {
        let slo = CompoundSLO(
            workflowID: WorkflowID(workflow), stage: stage, workflowStartedAt: .zero, deadline: deadline)
        return Request(
            id: RequestID(id), arrivedAt: Instant(seconds: at), promptTokenCount: 32, maxOutputTokens: 100,
            slo: .compound(slo), application: "agent")
    }

    func mapSizes(_ core: EngineCore) -> [Int] {
        let s = core.stats
        return [s.workflowCount, s.workflowEstimateCount, s.workflowServiceTokenCount]
    }

    @Test func aWorkflowEndsWhenItsFinalCallsAreDoneAndNotBefore() throws {
        let (core, executor, analyzer) = engine()
        for id in 1...3 { executor.lengths[RequestID(UInt64(id))] = 4 + id }
        // Stage 0: one call; stage 1: two calls, both marked final.
        try core.add(call(1, workflow: 7, stage: 0, at: 0))
        _ = try drain(core)
        #expect(mapSizes(core) == [1, 1, 1])
        #expect(core.workflowEstimate(WorkflowID(7)) != nil)
        try core.add(call(2, workflow: 7, stage: 1, at: 1), options: SubmissionOptions(endsWorkflow: true))
        try core.add(call(3, workflow: 7, stage: 1, at: 1), options: SubmissionOptions(endsWorkflow: true))
        // Run until the shorter final call is done: the other still holds the workflow.
        var now = Instant(seconds: 1)
        var finished: [RequestRecord] = []
        while finished.isEmpty {
            let report = try core.step(now: now)
            now = report.finishedAt
            finished += report.finished
        }
        #expect(finished.map(\.request.id) == [RequestID(2)])
        #expect(mapSizes(core) == [1, 1, 1])
        #expect(core.takeEndedWorkflows().isEmpty)
        _ = try drain(core)
        #expect(mapSizes(core) == [0, 0, 0])
        #expect(core.takeEndedWorkflows() == [WorkflowID(7)])
        #expect(analyzer.finished.withLock { $0 } == [WorkflowID(7): 3])
        // Each call's end was told as it happened, before the workflow's.
        #expect(analyzer.progress.withLock { $0 } == [WorkflowID(7): [1, 2, 3]])
    }

    @Test func anIdleWorkflowExpiresOnlyPastItsDeadlineAndItsLastCall() throws {
        let (core, executor, analyzer) = engine(idleTimeout: .seconds(5))
        executor.lengths[RequestID(1)] = 3
        try core.add(call(1, workflow: 9, stage: 0, at: 0, deadline: .seconds(10)))
        // Held: never expires, however late.
        #expect(core.expireIdleWorkflows(now: Instant(seconds: 1000)).isEmpty)
        _ = try drain(core)
        #expect(mapSizes(core) == [1, 1, 1])
        // Idle, but the deadline (10 s) plus the timeout (5 s) has not passed.
        #expect(core.expireIdleWorkflows(now: Instant(seconds: 14.9)).isEmpty)
        #expect(core.expireIdleWorkflows(now: Instant(seconds: 15.1)) == [WorkflowID(9)])
        #expect(mapSizes(core) == [0, 0, 0])
        #expect(core.takeEndedWorkflows() == [WorkflowID(9)])
        #expect(analyzer.finished.withLock { $0 } == [WorkflowID(9): 1])
    }

    @Test func aLateCallRestartsTheIdleClock() throws {
        let (core, executor, _) = engine(idleTimeout: .seconds(5))
        executor.lengths[RequestID(1)] = 2
        executor.lengths[RequestID(2)] = 2
        try core.add(call(1, workflow: 3, stage: 0, at: 0, deadline: .seconds(1)))
        _ = try drain(core)
        try core.add(call(2, workflow: 3, stage: 1, at: 20, deadline: .seconds(1)))
        var now = Instant(seconds: 20)
        while core.hasWork { now = try core.step(now: now).finishedAt }
        #expect(core.expireIdleWorkflows(now: now + .seconds(4)).isEmpty)
        #expect(core.expireIdleWorkflows(now: now + .seconds(6)) == [WorkflowID(3)])
    }

    @Test func aFinalCallThatNeverArrivedStillEndsTheWorkflow() throws {
        let (core, executor, _) = engine()
        executor.lengths[RequestID(1)] = 2
        try core.add(call(1, workflow: 4, stage: 0, at: 0))
        core.markWorkflowFinal(WorkflowID(4))
        #expect(mapSizes(core) == [1, 1, 0])  // its call is still held
        _ = try drain(core)
        #expect(mapSizes(core) == [0, 0, 0])
        #expect(core.takeEndedWorkflows() == [WorkflowID(4)])
        // Unknown to the engine: reported ended, so a server forgets its name.
        core.markWorkflowFinal(WorkflowID(99))
        #expect(core.takeEndedWorkflows() == [WorkflowID(99)])
    }

    @Test func aWorkflowThatLostACallEndsButTeachesNothing() throws {
        let (core, executor, analyzer) = engine()
        executor.lengths[RequestID(1)] = 3
        executor.lengths[RequestID(3)] = 3
        // Workflow 5 runs stage 0; its stage-1 call is refused (shed) and was its last.
        try core.add(call(1, workflow: 5, stage: 0, at: 0))
        _ = try drain(core)
        core.noteLostCall(call(2, workflow: 5, stage: 1, at: 1), endsWorkflow: true)
        #expect(mapSizes(core) == [0, 0, 0])
        #expect(core.takeEndedWorkflows() == [WorkflowID(5)])
        // Workflow 6 loses its first call before the engine ever saw it, then goes on.
        core.noteLostCall(call(4, workflow: 6, stage: 0, at: 0), endsWorkflow: false)
        #expect(core.liveWorkflowCount == 1)
        try core.add(call(3, workflow: 6, stage: 1, at: 1), options: SubmissionOptions(endsWorkflow: true))
        _ = try drain(core)
        #expect(core.takeEndedWorkflows() == [WorkflowID(6)])
        #expect(core.liveWorkflowCount == 0)
        // Workflow 8 runs whole and is the only one learnt.
        executor.lengths[RequestID(7)] = 2
        try core.add(call(7, workflow: 8, stage: 0, at: 2), options: SubmissionOptions(endsWorkflow: true))
        _ = try drain(core)
        #expect(analyzer.finished.withLock { $0 } == [WorkflowID(8): 1])
        // The simulation driver's say-so works the same way.
        executor.lengths[RequestID(9)] = 2
        try core.add(call(9, workflow: 10, stage: 0, at: 3))
        _ = try drain(core)
        core.finishWorkflow(WorkflowID(10), teachesAnalyzer: false)
        #expect(core.liveWorkflowCount == 0)
        #expect(analyzer.finished.withLock { $0 } == [WorkflowID(8): 1])
    }

    @Test func aLostCallOfAnUnknownWorkflowIsForgottenWhenIdle() throws {
        let (core, _, analyzer) = engine(idleTimeout: .seconds(5))
        core.noteLostCall(call(1, workflow: 12, stage: 0, at: 0, deadline: .seconds(10)), endsWorkflow: false)
        #expect(core.expireIdleWorkflows(now: Instant(seconds: 14)).isEmpty)
        #expect(core.expireIdleWorkflows(now: Instant(seconds: 16)) == [WorkflowID(12)])
        #expect(core.liveWorkflowCount == 0)
        #expect(analyzer.finished.withLock { $0 }.isEmpty)
        // A request outside any workflow is ignored.
        core.noteLostCall(request(2, prompt: 8), endsWorkflow: true)
        #expect(core.liveWorkflowCount == 0)
        #expect(core.takeEndedWorkflows() == [WorkflowID(12)])
    }

    @Test func aReplayedLengthEndsTheAnswerWithoutTellingTheScheduler() throws {
        let (core, executor, _) = engine()
        executor.lengths[RequestID(1)] = 1000  // the model would go on
        try core.add(request(1, prompt: 8, max: 500), options: SubmissionOptions(replayedOutputTokenCount: 7))
        #expect(core.snapshot(now: .zero).waiting.first?.maxOutputTokens == 500)
        let done = try drain(core)
        #expect(done.first?.timeline.outputTokenCount == 7)
        #expect(done.first?.timeline.finishReason == .stop)
        #expect(throws: EngineError.self) {
            try core.add(request(2, prompt: 8), options: SubmissionOptions(replayedOutputTokenCount: 0))
        }
    }
}
