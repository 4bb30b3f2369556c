import JITServeCore
import JITServeRouter
import Testing

@Suite struct LeastLoadedRouterTests {
    @Test func picksTheFewestRequestsWithTiesToTheLowestIndex() {
        let router = LeastLoadedRouter()
        let pool = [replica("a", waiting: 2, running: 3), replica("b", waiting: 0, running: 4), replica("c", running: 4)]
        #expect(router.decide(arrival(1, slo: stream), endpoints: pool, now: now) == .route([1, 2, 0]))
    }

    @Test func keepsAWorkflowOnItsFirstCallsReplica() {
        var router = LeastLoadedRouter()
        var pool = [replica("a", running: 1), replica("b", running: 5)]
        var first = workflowCall(1, workflow: 7)
        #expect(router.route(&first, endpoints: pool, now: now).primary == 0)
        pool[0].runningCount = 9
        var second = workflowCall(2, workflow: 7, stage: 1)
        #expect(router.route(&second, endpoints: pool, now: now).primary == 0)
        // Another request goes by load.
        var other = arrival(3, slo: stream)
        #expect(router.route(&other, endpoints: pool, now: now).primary == 1)
        // Once the workflow ends its next use of the ID starts afresh.
        router.didFinishWorkflow(WorkflowID(7))
        var third = workflowCall(4, workflow: 7, stage: 2)
        #expect(router.route(&third, endpoints: pool, now: now).primary == 1)
    }

    @Test func countsItsOwnPicksUntilAScrapeShowsThem() {
        var router = LeastLoadedRouter()
        // Both scraped before now: two picks to a make b the lighter one.
        let pool = [replica("a", running: 1, scrapedAt: Instant(seconds: 9)), replica("b", running: 2, scrapedAt: Instant(seconds: 9))]
        var picks: [Int] = []
        for i in 0..<3 {
            var request = arrival(UInt64(i), slo: stream)
            picks.append(router.route(&request, endpoints: pool, now: now + .milliseconds(i)).primary!)
        }
        // a: 1 → 2 → 3 while b stays at 2; then b.
        #expect(picks == [0, 0, 1])
        // 3 against 3: a by index. A finished pick stops counting: b drops to 2.
        #expect(router.decide(arrival(9, slo: stream), endpoints: pool, now: now).primary == 0)
        router.didFinish(arrival(2, slo: stream), at: "b", outputTokenCount: 10, now: now)
        #expect(router.decide(arrival(9, slo: stream), endpoints: pool, now: now).primary == 1)
    }
}
