import JITServeCore
import JITServeRouter
import Testing

/// The jitserve router judges a workflow call with the rest of its workflow: as its workflow
/// analyzer expects it, and once it has seen enough of the application's workflows finish, as
/// they were (told no analyzer unless a test says, so a call's milestone is its deadline).
@Suite struct WorkflowAdmissionTests {
    /// A call of `application`'s workflow whose own length is uncertain: a 2000-token tail at
    /// the bound (60 s at 30 ms an iteration: never on time within 29 s), 100 typically.
    func uncertainCall(_ id: UInt64, workflow: UInt64, application: String) -> RoutingRequest {
        var call = workflowCall(id, workflow: workflow, deadline: .seconds(30))
        call.application = application
        call.length = LengthDistribution(samples: [100, 100, 100, 2000])
        return call
    }

    /// Routes and finishes `count` one-call workflows of `application`, each `outputTokens` long.
    func learn(_ router: inout GoodputRouter, application: String, outputTokens: Int, count: Int, pool: [ReplicaSnapshot]) {
        for k in 0..<UInt64(count) {
            var call = workflowCall(100 + k, workflow: 100 + k, deadline: .seconds(600))
            call.application = application
            guard let pick = router.route(&call, endpoints: pool, now: now).primary else { continue }
            router.didFinish(call, at: pool[pick].endpoint, outputTokenCount: outputTokens, now: now)
            router.didFinishWorkflow(WorkflowID(100 + k))
        }
    }

    @Test func shedsACallWhoseWorkflowCannotFinishByItsDeadlineOnceItsSizeIsLearnt() {
        let pool = [replica("a"), replica("b")]
        var router = GoodputRouter(lengths: nil, workflows: nil)
        // Before anything is learnt the call alone could finish in time at its typical length: served.
        var early = uncertainCall(1, workflow: 1, application: "long")
        #expect(router.route(&early, endpoints: pool, now: now).primary != nil)
        // The application's workflows take 1500 output tokens: 45 s, past the 29 s left.
        learn(&router, application: "long", outputTokens: 1500, count: 3, pool: pool)
        var late = uncertainCall(2, workflow: 2, application: "long")
        #expect(router.route(&late, endpoints: pool, now: now) == .shed(retryAfter: .seconds(1)))
    }

    @Test func servesAWorkflowThatItsApplicationsSizeLetsFinish() {
        let pool = [replica("a"), replica("b")]
        var router = GoodputRouter(lengths: nil, workflows: nil)
        // 300 tokens take 9 s: the workflow fits its 29 s.
        learn(&router, application: "short", outputTokens: 300, count: 3, pool: pool)
        var call = uncertainCall(2, workflow: 2, application: "short")
        #expect(router.route(&call, endpoints: pool, now: now).primary != nil)
    }

    /// A workflow analyzer that expects the same future for every workflow.
    struct FixedFuture: WorkflowPredictor {
        let name = "fixed"
        var criticalPathTokens: Int
        var stages = 3

        func estimate(
            workflowID: WorkflowID, application: String?, slo: CompoundSLO, completed: [CallObservation], arriving: Request
        ) -> WorkflowEstimate {
            WorkflowEstimate(
                remainingStageCount: stages, remainingFutureOutputTokens: criticalPathTokens * 2,
                remainingCriticalPathTokens: criticalPathTokens, currentStageDueAt: slo.dueAt)
        }
    }

    @Test func shedsACallWhoseWorkflowTheAnalyzerExpectsToRunPastItsDeadlineBeforeAnyFinishes() {
        let pool = [replica("a"), replica("b")]
        // Nothing of the application has finished; the analyzer expects 1500 more tokens on the
        // critical path: 45 s at 30 ms an iteration, past the 29 s left.
        var router = GoodputRouter(lengths: nil, workflows: FixedFuture(criticalPathTokens: 1500))
        var call = uncertainCall(1, workflow: 1, application: "long")
        #expect(router.route(&call, endpoints: pool, now: now) == .shed(retryAfter: .seconds(1)))
        // 300 more take 9 s (and three prefills): the workflow fits.
        router = GoodputRouter(lengths: nil, workflows: FixedFuture(criticalPathTokens: 300))
        call = uncertainCall(2, workflow: 2, application: "long")
        #expect(router.route(&call, endpoints: pool, now: now).primary != nil)
        // Judged alone, the call itself is short enough.
        router = GoodputRouter(lengths: nil, workflows: FixedFuture(criticalPathTokens: 1500))
        router.admitsWorkflows = false
        call = uncertainCall(3, workflow: 3, application: "long")
        #expect(router.route(&call, endpoints: pool, now: now).primary != nil)
    }

    @Test func judgesEachCallAloneWhenWorkflowAdmissionIsOff() {
        let pool = [replica("a"), replica("b")]
        var router = GoodputRouter(lengths: nil, workflows: nil)
        router.admitsWorkflows = false
        learn(&router, application: "long", outputTokens: 1500, count: 3, pool: pool)
        var call = uncertainCall(2, workflow: 2, application: "long")
        #expect(router.route(&call, endpoints: pool, now: now).primary != nil)
    }
}
