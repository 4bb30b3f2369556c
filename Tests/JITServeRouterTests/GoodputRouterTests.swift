import JITServeCore
import JITServeRouter
import Testing

/// The jitserve router's decisions on hand-built snapshots (told no workflow analyzer, so a
/// workflow call's milestone is its workflow's deadline).
@Suite struct GoodputRouterTests {
    func makeRouter() -> GoodputRouter { GoodputRouter(lengths: nil, workflows: nil) }

    @Test func sendsATightStreamWhereTheIterationKeepsItsPaceNotWhereFewestRequestsAre() {
        let pool = [replica("a", running: 2, iteration: 0.12), replica("b", running: 50, iteration: 0.05, requiredRate: 5000)]
        #expect(makeRouter().decide(arrival(1, slo: stream), endpoints: pool, now: now).primary == 1)
    }

    @Test func prefersTheLeastUtilisedReplicaWhereTheRequestIsOnTime() {
        // Capacity 2048 tokens per 30 ms ≈ 68k tok/s: a is 88 % committed, b 15 %.
        let pool = [replica("a", requiredRate: 60_000), replica("b", requiredRate: 10_000)]
        #expect(makeRouter().decide(arrival(1, slo: .deadline(ttlt: .seconds(20))), endpoints: pool, now: now).primary == 1)
    }

    @Test func countsPlacesNotOnlyTokens() {
        // 32 places each. a holds 40 requests that need few tokens (6 % of its token rate), b
        // holds 10 that need more (29 %): a's decodes queue for places, b has room.
        let pool = [replica("a", waiting: 8, running: 32, requiredRate: 4_000, maxRunning: 32),
                    replica("b", running: 10, requiredRate: 20_000, maxRunning: 32)]
        #expect(makeRouter().decide(arrival(1, slo: .deadline(ttlt: .seconds(20))), endpoints: pool, now: now).primary == 1)
        // With 256 places a's 40 requests fit (16 %), and its token rate is the lighter one.
        let roomy = [replica("a", waiting: 8, running: 32, requiredRate: 4_000), replica("b", running: 10, requiredRate: 20_000)]
        #expect(makeRouter().decide(arrival(1, slo: .deadline(ttlt: .seconds(20))), endpoints: roomy, now: now).primary == 0)
    }

    @Test func countsThePaceOfItsOwnPicksUntilTheNextScrape() {
        // Scraped a second ago. a needs 29 % of its token rate, b 35 %: a long-prompt deadline
        // request (~6 k tok/s to finish in time) goes to a, which then needs 38 %. Until a scrape
        // shows it, a's gauges still say 29 %: the next request must see the pick's pace too.
        var router = makeRouter()
        let pool = [replica("a", requiredRate: 20_000, scrapedAt: Instant(seconds: 9)),
                    replica("b", requiredRate: 24_000, scrapedAt: Instant(seconds: 9))]
        var long = arrival(1, slo: .deadline(ttlt: .seconds(10)), prompt: 60_000)
        #expect(router.route(&long, endpoints: pool, now: now).primary == 0)
        let assumed = router.ledger.assumed(at: "a", since: Instant(seconds: 9))
        #expect(assumed.requiredTokenRate > 5_000 && assumed.requiredTokenRate < 7_000)
        var next = arrival(2, slo: .deadline(ttlt: .seconds(20)))
        #expect(router.route(&next, endpoints: pool, now: now).primary == 1)
    }

    @Test func keepsAWorkflowsCallsTogetherWhileItsReplicaIsOnTime() {
        var router = makeRouter()
        var pool = [replica("a", requiredRate: 20_000), replica("b", requiredRate: 10_000)]
        var first = workflowCall(1, workflow: 3)
        #expect(router.route(&first, endpoints: pool, now: now).primary == 1)
        // b is now busier than a, but the call is still on time there and b is not overcommitted.
        pool[1].load?.requiredTokenRate = 40_000
        var second = workflowCall(2, workflow: 3, stage: 1)
        #expect(router.route(&second, endpoints: pool, now: now).primary == 1)
    }

    @Test func movesAWorkflowWhoseReplicaCannotMeetItsDeadline() {
        var router = makeRouter()
        var pool = [replica("a", requiredRate: 20_000), replica("b", requiredRate: 10_000)]
        var first = workflowCall(1, workflow: 3, deadline: .seconds(30))
        #expect(router.route(&first, endpoints: pool, now: now).primary == 1)
        // b's iterations slow to 200 ms: 200 tokens take 40 s, past the 29 s left.
        pool[1].load?.iterationSeconds = 0.2
        var second = workflowCall(2, workflow: 3, stage: 1, deadline: .seconds(30))
        #expect(router.route(&second, endpoints: pool, now: now).primary == 0)
        // The workflow moved with it.
        pool[1].load?.iterationSeconds = 0.03
        var third = workflowCall(3, workflow: 3, stage: 2, deadline: .seconds(30))
        #expect(router.route(&third, endpoints: pool, now: now).primary == 0)
    }

    @Test func routesAnOnTimeRequestEvenWhenEveryReplicaIsOvercommitted() {
        let pool = [replica("a", requiredRate: 200_000), replica("b", requiredRate: 90_000)]
        #expect(makeRouter().decide(arrival(1, slo: .deadline(ttlt: .seconds(20))), endpoints: pool, now: now).primary == 1)
    }

    @Test func weighsOnlyUtilisationOnceEveryReplicaWhereItIsOnTimeIsOvercommitted() {
        // By their queues a would finish the answer in time (18 s of 20) and b not (200 k prompt
        // tokens queued ahead push it to ~21 s), yet b could serve it if its scheduler ran it
        // first. Both overcommitted: the less loaded b, whose scheduler decides the order.
        let late = arrival(1, slo: .deadline(ttlt: .seconds(20)), lengths: [100, 500, 600, 600])
        let pool = [replica("a", requiredRate: 200_000), replica("b", pendingPrefill: 200_000, requiredRate: 100_000)]
        #expect(makeRouter().decide(late, endpoints: pool, now: now).primary == 1)
        // a with room: on time and fitting comes first.
        let roomy = [replica("a", requiredRate: 20_000), replica("b", pendingPrefill: 200_000, requiredRate: 10_000)]
        #expect(makeRouter().decide(late, endpoints: roomy, now: now).primary == 0)
    }

    @Test func shedsARequestOnlyIfEvenAShortAnswerWouldBeLate() {
        // 8 s at 30 ms a token: the median answer (~350 tokens, 10.5 s) would be late, a short
        // one (the 0.1-quantile) in time. A shed is final, so it is routed.
        let pool = [replica("a", requiredRate: 200_000)]
        var router = makeRouter()
        var tool = arrival(1, slo: .deadline(ttlt: .seconds(8)), lengths: [10, 300, 400, 500])
        #expect(router.route(&tool, endpoints: pool, now: now).primary == 0)
        // Judged at the median, as a workflow call is, it would have been shed.
        router.shedQuantile = 0.5
        var again = arrival(2, slo: .deadline(ttlt: .seconds(8)), lengths: [10, 300, 400, 500])
        #expect(router.route(&again, endpoints: pool, now: now) == .shed(retryAfter: .seconds(1)))
    }

    @Test func shedsOnlyWhatNoReplicaCanServeInTimeAndTheRestOfItsWorkflow() {
        var router = makeRouter()
        let pool = [replica("a"), replica("b", iteration: 0.05)]
        // ~900 tokens at ≥ 30 ms each take 27 s: a 10 s deadline is lost even on an idle replica.
        var long = arrival(1, slo: .deadline(ttlt: .seconds(10)), lengths: [800, 900, 1000])
        #expect(router.route(&long, endpoints: pool, now: now) == .shed(retryAfter: .seconds(1)))
        // The same length with time to spare is served.
        var fine = arrival(2, slo: .deadline(ttlt: .seconds(60)), lengths: [800, 900, 1000])
        #expect(router.route(&fine, endpoints: pool, now: now).primary != nil)
        // A workflow call that cannot finish by its deadline is shed, and so are its later calls.
        var doomed = workflowCall(3, workflow: 9, deadline: .seconds(2))
        doomed.length = LengthDistribution(samples: [800, 900, 1000])
        #expect(router.route(&doomed, endpoints: pool, now: now) == .shed(retryAfter: .seconds(1)))
        var later = workflowCall(4, workflow: 9, stage: 1, deadline: .seconds(2))
        later.length = LengthDistribution(samples: [1])
        #expect(router.route(&later, endpoints: pool, now: now) == .shed(retryAfter: .seconds(1)))
    }

    @Test func answersNoneReadyWithoutAReadyReplica() {
        #expect(makeRouter().decide(arrival(1, slo: stream), endpoints: [replica("a", ready: false)], now: now) == .noneReady)
    }
}
