import JITServeCore
@testable import JITServeScheduling
import Testing

/// LAS, SJF and EDF rank only as far as the packer's walk reads: that may not change a single
/// decision. The reference sorts every request and packs over the whole order.
@Suite struct PrioritySchedulerEquivalenceTests {
    static let policies: [PriorityScheduler] = [
        .leastAttainedService(), .shortestJobFirst(), .earliestDeadlineFirst(),
        // Coarse keys: most requests tie, so the tie-break decides.
        PriorityScheduler(name: "tiers") { s, _ in Double(s.promptTokenCount % 3) },
    ]

    @Test func theFastPlanIsTheReferencePlanOnRandomSnapshots() {
        var generator = RandomSnapshot(seed: 20_261_201)
        var differing: [String] = []
        var preempting = 0, walkedPastTheBatch = 0
        for i in 0..<2000 {
            let snapshot = generator.snapshot(maxRequests: i % 50 == 0 ? 4000 : 300)
            let policy = Self.policies[i % Self.policies.count]
            let reference = policy.referencePlan(snapshot)
            if policy.schedule(snapshot) != reference { differing.append("\(policy.name) #\(i)") }
            if !reference.preempted.isEmpty { preempting += 1 }
            if reference.scheduled.count < min(snapshot.budget.maxRunning, snapshot.running.count + snapshot.waiting.count),
               reference.tokenCount < snapshot.budget.maxBatchedTokens {
                walkedPastTheBatch += 1
            }
        }
        #expect(differing.isEmpty, "plans differ on snapshots \(differing.prefix(20))")
        // The cases that matter occur: preemption, and walks that run out of candidates rather
        // than of budget, which rank past the first batch's worth (65 of these 2,000).
        #expect(preempting > 2000 / 50)
        #expect(walkedPastTheBatch > 2000 / 100)
    }
}
