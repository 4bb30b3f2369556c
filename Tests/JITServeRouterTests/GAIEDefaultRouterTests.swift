import JITServeCore
import JITServeRouter
import Testing

@Suite struct GAIEDefaultRouterTests {
    @Test func weighsQueueAndKVCacheEqually() {
        let router = GAIEDefaultRouter()
        // Queue scores (min-max over 0…10): a 1, b 0.5, c 0; KV scores: a 0.1, b 0.8, c 1.
        // Totals: a 1.1, b 1.3, c 1.0 — b wins though a has the shortest queue.
        let pool = [replica("a", waiting: 0, kv: 0.9), replica("b", waiting: 5, kv: 0.2), replica("c", waiting: 10, kv: 0)]
        #expect(router.decide(arrival(1, slo: stream), endpoints: pool, now: now) == .route([1, 0, 2]))
    }

    @Test func readsOnlyWaitingRequestsForItsQueueScore() {
        let router = GAIEDefaultRouter()
        let pool = [replica("a", waiting: 3, running: 0), replica("b", waiting: 1, running: 200)]
        #expect(router.decide(arrival(1, slo: stream), endpoints: pool, now: now).primary == 1)
    }

    @Test func spreadsTiesByRequest() {
        let router = GAIEDefaultRouter()
        let pool = [replica("a"), replica("b"), replica("c")]
        let picks = Set((0..<6).compactMap { router.decide(arrival(UInt64($0), slo: stream), endpoints: pool, now: now).primary })
        #expect(picks == [0, 1, 2])
    }
}
