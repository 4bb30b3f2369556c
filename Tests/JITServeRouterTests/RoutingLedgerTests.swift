import JITServeCore
import JITServeRouter
import Testing

@Suite struct RoutingLedgerTests {
    func assumed(_ ledger: RoutingLedger, _ endpoint: String, since: Instant) -> [Int] {
        let a = ledger.assumed(at: endpoint, since: since)
        return [a.count, a.promptTokens, a.workTokens, Int(a.requiredTokenRate)]
    }

    @Test func assumesOnlyPicksNewerThanTheScrapeAndNotFinished() {
        var ledger = RoutingLedger()
        let a = arrival(1, slo: stream, prompt: 100), b = arrival(2, slo: stream, prompt: 200), c = arrival(3, slo: stream, prompt: 400)
        ledger.noteRouted(a, to: "x", workTokens: 150, requiredTokenRate: 10, at: Instant(seconds: 1))
        ledger.noteRouted(b, to: "x", workTokens: 250, requiredTokenRate: 20, at: Instant(seconds: 2))
        ledger.noteRouted(c, to: "y", workTokens: 450, requiredTokenRate: 40, at: Instant(seconds: 3))
        #expect(assumed(ledger, "x", since: Instant(seconds: 1.5)) == [1, 200, 250, 20])
        #expect(assumed(ledger, "x", since: .zero) == [2, 300, 400, 30])
        ledger.noteFinished(b, at: "x")
        #expect(assumed(ledger, "x", since: .zero) == [1, 100, 150, 10])
        let adjusted = ledger.withAssumedLoad([
            replica("x", waiting: 1, requiredRate: 5, scrapedAt: .zero), replica("y", waiting: 0, scrapedAt: Instant(seconds: 5)),
        ])
        #expect(adjusted[0].waitingCount == 2 && adjusted[0].load?.pendingPrefillTokens == 100)
        #expect(adjusted[0].load?.requiredTokenRate == 15)
        #expect(adjusted[1].waitingCount == 0)
    }

    @Test func forgetsPicksPastItsHorizon() {
        var ledger = RoutingLedger(horizon: .seconds(10))
        ledger.noteRouted(arrival(1, slo: stream), to: "x", workTokens: 1, at: Instant(seconds: 1))
        ledger.noteRouted(arrival(2, slo: stream), to: "x", workTokens: 1, at: Instant(seconds: 20))
        #expect(ledger.assumed(at: "x", since: .zero).count == 1)
    }

    @Test func expiresWorkflowsIdlePastTheirDeadlineOnlyWhenAskedTo() {
        var expiring = RoutingLedger(workflowExpiry: .seconds(60))
        var kept = RoutingLedger(workflowExpiry: nil)
        for w in 0..<100 {
            let call = workflowCall(UInt64(w), workflow: UInt64(w), deadline: .seconds(10))
            let at = Instant(seconds: w == 0 ? 0 : 1000)
            expiring.noteRouted(call, to: "x", workTokens: 1, at: at)
            kept.noteRouted(call, to: "x", workTokens: 1, at: at)
        }
        #expect(expiring.endpoint(of: WorkflowID(0)) == nil)
        #expect(expiring.endpoint(of: WorkflowID(99)) == "x")
        #expect(kept.endpoint(of: WorkflowID(0)) == "x")
    }
}
