import JITServeCore
import JITServePrediction
import Testing

/// The cold start of the workflow analyzer: what it assumes about an application none of whose
/// workflows has finished yet.
@Suite struct UniformShareWorkflowPredictorTests {
    static func slo(_ wf: UInt64, stage: Int) -> CompoundSLO {
        CompoundSLO(workflowID: WorkflowID(wf), stage: stage, workflowStartedAt: .zero, deadline: .seconds(100))
    }

    static func estimate(_ p: UniformShareWorkflowPredictor, app: String, stage: Int = 0) -> WorkflowEstimate {
        let request = Request(id: RequestID(1), arrivedAt: .zero, promptTokenCount: 100, maxOutputTokens: 512,
                              slo: .compound(slo(99, stage: stage)), application: app)
        return p.estimate(workflowID: WorkflowID(99), application: app, slo: slo(99, stage: stage), completed: [],
                          arriving: request)
    }

    @Test func runningWorkflowsTeachDepthAndOutputBeforeAnyFinishes() {
        var p = UniformShareWorkflowPredictor(fallbackStageCount: 4, fallbackStageOutputTokens: 256)
        // One workflow of "chain" has finished calls in six stages (900 output tokens each), and
        // has not finished: the prior alone would say 3 more stages of 256 tokens.
        let calls = observations(shape: [1, 1, 1, 1, 1, 1], seconds: Array(repeating: 1, count: 6), output: 900)
        for k in 1...calls.count {
            p.observeCallFinished(workflowID: WorkflowID(1), application: "chain", calls: Array(calls.prefix(k)))
        }
        let e = Self.estimate(p, app: "chain")
        // At least as deep as the six stages seen; each completed stage showed 900 tokens.
        #expect(e.remainingStageCount == 5)
        #expect(e.remainingFutureOutputTokens == 5 * 900)
        // One call per stage: the critical path is every token.
        #expect(e.remainingCriticalPathTokens == 5 * 900)
        // Stage 0 of 6: a sixth of the deadline.
        #expect(abs(e.currentStageDueAt.seconds - 100.0 / 6) < 1e-9)
        // Another application learns nothing from it.
        #expect(Self.estimate(p, app: "other").remainingStageCount == 3)
    }

    @Test func otherApplicationsFinishedWorkflowsFloorAnUnknownOnesSize() {
        var p = UniformShareWorkflowPredictor(fallbackStageCount: 4, fallbackStageOutputTokens: 256)
        // "tree" finishes workflows of 8 stages × 2 calls × 300 tokens (600 per stage).
        for k in 0..<3 {
            p.observeFinished(workflowID: WorkflowID(UInt64(k)), application: "tree", slo: Self.slo(UInt64(k), stage: 0),
                              calls: observations(shape: Array(repeating: 2, count: 8), seconds: Array(repeating: 1, count: 8), output: 300))
        }
        // "chain" has finished nothing: no smaller than what has finished elsewhere.
        let e = Self.estimate(p, app: "chain")
        #expect(e.remainingStageCount == 7)
        #expect(e.remainingFutureOutputTokens == 7 * 600)
        // Each stage's two calls run side by side: its critical path is one call's 300 tokens.
        #expect(e.remainingCriticalPathTokens == 7 * 300)
        // An application with finished workflows of its own keeps its own figures.
        p.observeFinished(workflowID: WorkflowID(7), application: "chain", slo: Self.slo(7, stage: 0),
                          calls: observations(shape: [1, 1], seconds: [1, 1], output: 50))
        let own = Self.estimate(p, app: "chain")
        #expect(own.remainingStageCount == 1 && own.remainingFutureOutputTokens == 50)
    }
}
