import JITServeCore
@testable import JITServeScheduling
import Testing

/// GMAX ranks only as far as a decision reads, and length distributions remember their last
/// unconditioned bound: neither may change a single decision. The reference sorts every
/// request, groups and packs over the whole order, and sees distributions rebuilt from their
/// samples.
@Suite struct GMAXSchedulerEquivalenceTests {
    static let snapshotCount = 3000

    /// Options ablated one at a time, plus other grouping windows and urgency thresholds.
    static func options(_ variant: Int) -> GMAXScheduler.Options {
        var o = GMAXScheduler.Options()
        switch variant % 9 {
        case 1: o.grouping = false
        case 2: o.workflowTopUp = false
        case 3: o.tbtGuard = false
        case 4: o.refinement = false
        case 5: o.groupingFactor = 1
        case 6:
            o.groupingFactor = 4
            o.urgencyIterations = 30
        case 7: o.commitmentShare = nil
        case 8: o.hopelessPrefillShare = nil
        default: break
        }
        return o
    }

    @Test func theFastPlanIsTheReferencePlanOnRandomSnapshots() {
        var generator = RandomSnapshot(seed: 20_261_130)
        var differing: [Int] = []
        var preempting = 0, walkedPastTheBatch = 0
        for i in 0..<Self.snapshotCount {
            // Mostly small snapshots (many cases), now and then a long queue.
            let snapshot = generator.snapshot(maxRequests: i % 50 == 0 ? 4000 : 300)
            let scheduler = GMAXScheduler(options: Self.options(i))
            let reference = scheduler.referencePlan(snapshot.withFreshDistributions)
            // Twice: the first call fills the distributions' memos, the second reads them.
            let first = scheduler.schedule(snapshot)
            let second = scheduler.schedule(snapshot)
            if first != reference || second != reference { differing.append(i) }
            if !reference.preempted.isEmpty { preempting += 1 }
            if reference.scheduled.count < min(snapshot.budget.maxRunning, snapshot.running.count + snapshot.waiting.count),
               reference.tokenCount < snapshot.budget.maxBatchedTokens {
                walkedPastTheBatch += 1
            }
        }
        #expect(differing.isEmpty, "plans differ on snapshots \(differing.prefix(20))")
        // The cases that matter occur: preemption, and walks that run out of candidates
        // rather than of budget (every request seen, as when memory is full).
        #expect(preempting > Self.snapshotCount / 50)
        #expect(walkedPastTheBatch > Self.snapshotCount / 10)
    }

    @Test func standingsFollowTheReferenceOrder() {
        var generator = RandomSnapshot(seed: 7)
        for _ in 0..<50 {
            let snapshot = generator.snapshot(maxRequests: 300)
            let scheduler = GMAXScheduler()
            let ids = scheduler.standings(snapshot).map(\.id)
            let sorted = scheduler.rank(SnapshotRows(snapshot), in: snapshot).sorted(by: GMAXScheduler.servedBefore).map(\.id)
            var ranking = GMAXScheduler.Ranking(scheduler.rank(SnapshotRows(snapshot), in: snapshot))
            ranking.settle(ids.count / 3)
            #expect(Array(ranking.settled.map(\.id)) == Array(sorted.prefix(ids.count / 3)))
            #expect(ids == sorted)
        }
    }
}
