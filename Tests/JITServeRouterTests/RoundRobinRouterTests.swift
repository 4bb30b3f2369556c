import JITServeCore
import JITServeRouter
import Testing

@Suite struct RoundRobinRouterTests {
    @Test func takesEachReadyEndpointInTurnAndSkipsOnesNotReady() {
        var router = RoundRobinRouter()
        let pool = [replica("a"), replica("b", ready: false), replica("c")]
        var picks: [String] = []
        for i in 0..<4 {
            var request = arrival(UInt64(i), slo: stream)
            guard let pick = router.route(&request, endpoints: pool, now: now).primary else { Issue.record("no pick"); return }
            picks.append(pool[pick].endpoint)
        }
        // Turns 0, 1, 2, 3 start at a, b (not ready: c), c, a.
        #expect(picks == ["a", "c", "c", "a"])
    }

    @Test func answersNoneReadyWhenNoEndpointIs() {
        let router = RoundRobinRouter()
        #expect(router.decide(arrival(1, slo: stream), endpoints: [replica("a", ready: false)], now: now) == .noneReady)
        #expect(router.decide(arrival(1, slo: stream), endpoints: [], now: now) == .noneReady)
    }
}
