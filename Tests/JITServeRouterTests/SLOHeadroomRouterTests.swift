import JITServeCore
import JITServeRouter
import Testing

@Suite struct SLOHeadroomRouterTests {
    let router = SLOHeadroomRouter(lengths: nil)

    @Test func packsOntoTheReplicaWithTheLeastPositiveHeadroom() {
        // A 80 ms TBT: 30 ms iterations leave 62 % headroom, 60 ms ones 25 %, 100 ms ones none.
        let pool = [replica("a", iteration: 0.03), replica("b", iteration: 0.06), replica("c", iteration: 0.1)]
        #expect(router.decide(arrival(1, slo: stream), endpoints: pool, now: now) == .route([1, 0]))
    }

    @Test func countsQueuedPrefillAgainstTimeToFirstToken() {
        // 40 iterations of queued prefill at 30 ms is 1.2 s: past an 800 ms TTFT.
        let pool = [replica("a", iteration: 0.03, pendingPrefill: 40 * 2048), replica("b", iteration: 0.07)]
        #expect(router.decide(arrival(1, slo: stream), endpoints: pool, now: now) == .route([1]))
    }

    @Test func givesADeadlineRequestItsLengthBoundAtThePace() {
        // Bound 200 tokens: 6 s at 30 ms fits an 8 s TTLT, 10 s at 50 ms does not.
        let request = arrival(1, slo: .deadline(ttlt: .seconds(8)))
        let pool = [replica("a", iteration: 0.05), replica("b", iteration: 0.03)]
        #expect(router.decide(request, endpoints: pool, now: now) == .route([1]))
    }

    @Test func shedsWhatNoReplicaHasHeadroomFor() {
        let pool = [replica("a", iteration: 0.1), replica("b", iteration: 0.2)]
        #expect(router.decide(arrival(1, slo: stream), endpoints: pool, now: now) == .shed(retryAfter: .seconds(1)))
    }
}
