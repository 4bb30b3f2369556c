import JITServeCore
@testable import JITServeScheduling
import Testing

/// `PartialRanking` ranks only as far as the packer's walk reads.
@Suite struct PartialRankingTests {
    /// Ranked by `key`, ties by row.
    struct Row: Ranked {
        var index: Int
        var key: Int
        static func servedBefore(_ a: Self, _ b: Self) -> Bool { (a.key, a.index) < (b.key, b.index) }
    }

    @Test func rationedRowsPastASpentRationAreNotRanked() {
        // One running decode ranked below 600 waiting prompts whose prefill is rationed to 128
        // tokens an iteration: two of them take the ration, the rest would be passed over.
        let decode = Snap.seq(1, prompt: 100, generated: 5)
        let prompts = (0..<600).map { Snap.seq(UInt64(10 + $0), prompt: 100) }
        let snapshot = Snap.snapshot(running: [decode], waiting: prompts, maxRunning: 8)
        let rows = [Row(index: 0, key: 1_000)] + (1...600).map { Row(index: $0, key: $0) }
        let ration = TokenRation(isRationed: [false] + Array(repeating: true, count: 600), tokens: 128)
        let packer = BatchPacker()

        var ranking = PartialRanking(rows)
        ranking.settle(8)
        let plan = ranking.pack(startingWith: ranking.settled.map(\.index), packer: packer, snapshot: snapshot, ration: ration)

        // The plan a full sort gives: the ration's two prompts, then the decode.
        let sorted = rows.sorted(by: Row.servedBefore).map(\.index)
        let reference = packer.pack(order: sorted, of: snapshot.running + snapshot.waiting, snapshot: snapshot, ration: ration)
        #expect(plan == reference)
        #expect(Snap.tokens(plan) == [1: 1, 10: 100, 11: 28])
        // Only the first batch's worth and the decode were ever ranked.
        #expect(ranking.candidates.count == 9)
    }

    @Test func withoutARationEveryRowPassedIsRanked() {
        // Control: with nothing rationed, nothing is dropped; every row the walk passes is ranked.
        let prompts = (0..<600).map { Snap.seq(UInt64(10 + $0), prompt: 100, generated: 0) }
        let snapshot = Snap.snapshot(waiting: prompts, tokens: 64, maxRunning: 8, free: 0)
        var ranking = PartialRanking((0..<600).map { Row(index: $0, key: $0) })
        ranking.settle(8)
        let plan = ranking.pack(startingWith: ranking.settled.map(\.index), packer: BatchPacker(), snapshot: snapshot)
        // No memory: nobody fits, so the walk reaches every row.
        #expect(plan.scheduled.isEmpty)
        #expect(ranking.settledCount == 600)
    }
}
