import JITServeScheduling
import Testing

@Suite struct SLOAdmissionPlannerTests {
    typealias Item = SLOAdmissionPlanner.Item

    func item(due: Double, prefill: Double, rate: Double = 0, memory: Int = 0, admitted: Bool = false) -> Item {
        Item(dueIterations: due, prefillTokens: prefill, decodeRate: rate, memoryBlocks: memory, isAdmitted: admitted)
    }

    func capacity(tokens: Double = 100, slots: Double = 100, committed: Double = 0, memory: Int = 1000) -> SLOAdmissionPlanner.Capacity {
        .init(tokensPerIteration: tokens, decodeSlots: slots, committedDecodeRate: committed, memoryBlocks: memory)
    }

    @Test func admitsMoreThanTakingEachRequestThatStillFitsInDeadlineOrder() {
        // 100 tokens per iteration. A fills the first iteration; B, C, D are due after two.
        // Taking A first leaves room for one more (100 + 60 ≤ 200); dropping A admits three.
        let items = [item(due: 1, prefill: 100), item(due: 2, prefill: 60), item(due: 2, prefill: 60), item(due: 2, prefill: 60)]
        #expect(SLOAdmissionPlanner().admit(items, capacity: capacity()) == [false, true, true, true])
    }

    @Test func neverMakesAnAdmittedPrefillLate() {
        // N fits on its own, but computing it first would push the admitted prefill past its
        // deadline (80 + 150 > 200 tokens in two iterations).
        let items = [item(due: 1, prefill: 80), item(due: 2, prefill: 150, admitted: true)]
        #expect(SLOAdmissionPlanner().admit(items, capacity: capacity()) == [false, true])
        // With a little more time for the admitted one, both fit.
        let later = [item(due: 1, prefill: 80), item(due: 2.5, prefill: 150, admitted: true)]
        #expect(SLOAdmissionPlanner().admit(later, capacity: capacity()) == [true, true])
    }

    @Test func decodesOfAdmittedRequestsTakeTheirShareOfTheBudget() {
        // 10 tokens per iteration; 30 prefill tokens due in 4 iterations fit beside 2 decode
        // tokens per iteration (30 + 8 ≤ 40) but not beside 3 (30 + 12 > 40).
        let items = [item(due: 4, prefill: 30)]
        #expect(SLOAdmissionPlanner().admit(items, capacity: capacity(tokens: 10, committed: 2)) == [true])
        #expect(SLOAdmissionPlanner().admit(items, capacity: capacity(tokens: 10, committed: 3)) == [false])
    }

    @Test func anEarlierAdmissionsDecodesCountAtLaterDeadlines() {
        // Y prefills 5 tokens by iteration 1, then decodes every iteration: by iteration 4 it has
        // taken 5 + 3 tokens, and X's 25 no longer fit beside the 3 committed decodes (41 > 40).
        let items = [item(due: 1, prefill: 5, rate: 1), item(due: 4, prefill: 25)]
        let admitted = SLOAdmissionPlanner().admit(items, capacity: capacity(tokens: 10, committed: 2))
        #expect(admitted.filter { $0 }.count == 1)
        // Without Y's decodes both fit (5 + 25 + 8 ≤ 40).
        let noDecode = [item(due: 1, prefill: 5), item(due: 4, prefill: 25)]
        #expect(SLOAdmissionPlanner().admit(noDecode, capacity: capacity(tokens: 10, committed: 2)) == [true, true])
    }

    @Test func summedDecodeRatesStayWithinTheBatchCap() {
        let items = (1...3).map { item(due: Double(10 + $0), prefill: 10, rate: 0.4) }
        // 1.5 + 0.4 fits two places; a second one (2.3) does not.
        #expect(SLOAdmissionPlanner().admit(items, capacity: capacity(slots: 2, committed: 1.5)).filter { $0 }.count == 1)
        #expect(SLOAdmissionPlanner().admit(items, capacity: capacity(slots: 2, committed: 1.1)).filter { $0 }.count == 2)
    }

    @Test func memoryGoesToTheMostRequestsNotTheEarliest() {
        let items = [item(due: 5, prefill: 10, memory: 8), item(due: 6, prefill: 10, memory: 5), item(due: 7, prefill: 10, memory: 5)]
        #expect(SLOAdmissionPlanner().admit(items, capacity: capacity(memory: 10)) == [false, true, true])
    }

    @Test func anAdmittedRequestStaysEvenWhenItCannotFit() {
        // The admitted prefill is late whatever happens; the new one does not make it worse.
        let items = [item(due: 1, prefill: 500, admitted: true), item(due: 20, prefill: 50)]
        #expect(SLOAdmissionPlanner().admit(items, capacity: capacity()) == [true, true])
    }
}
