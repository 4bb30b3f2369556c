import JITServeCore
import JITServeScheduling
import Testing

/// Pseudo-random snapshots with long queues, so the head-only sort is exercised.
private func queue(running: Int, waiting: Int, seed: UInt64, free: Int, maxRunning: Int) -> SchedulerSnapshot {
    var state = seed
    func next(_ n: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(n))
    }
    let slos: [SLO] = [.latency(ttft: .seconds(1), tbt: .milliseconds(100)), .deadline(ttlt: .seconds(10))]
    func row(_ i: Int, isRunning: Bool) -> SequenceState {
        let prompt = 50 + next(3000)
        let generated = isRunning ? 1 + next(300) : 0
        let computed = isRunning ? prompt + generated - 1 : 0
        return SequenceState(
            id: RequestID(UInt64(i + 1)), slo: slos[next(2)], arrivedAt: Instant(seconds: Double(next(40)) / 4),
            promptTokenCount: prompt, maxOutputTokens: 4096,
            length: LengthDistribution(samples: [10 + next(50), 100 + next(400), 600 + next(900)]),
            generatedTokenCount: generated, computedTokenCount: computed, allocatedBlockCount: (computed + 15) / 16,
            attainedServiceTokens: isRunning ? computed + next(500) : next(3) * 300)
    }
    return SchedulerSnapshot(
        now: Instant(seconds: 12), running: (0..<running).map { row($0, isRunning: true) },
        waiting: (running..<(running + waiting)).map { row($0, isRunning: false) },
        budget: BatchBudget(maxBatchedTokens: 2048, maxRunning: maxRunning, blockSize: 16, freeBlockCount: free),
        iterationSeconds: 0.03)
}

/// The plan of `policy` with the whole queue sorted: what the head-only sort must reproduce.
private func fullSortPlan(_ policy: PriorityScheduler, _ snapshot: SchedulerSnapshot) -> SchedulePlan {
    let states = snapshot.running + snapshot.waiting
    let keys = states.map { policy.key($0, snapshot) }
    let order = states.indices.sorted {
        keys[$0] != keys[$1] ? keys[$0] < keys[$1]
            : states[$0].arrivedAt != states[$1].arrivedAt ? states[$0].arrivedAt < states[$1].arrivedAt : states[$0].id < states[$1].id
    }
    return BatchPacker(chunkedPrefill: true).pack(order: order, of: states, snapshot: snapshot)
}

@Suite struct PrioritySchedulerTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func sortingOnlyTheHeadGivesTheFullSortsPlan(seed: UInt64) {
        let policies = [PriorityScheduler.shortestJobFirst(), .leastAttainedService(), .earliestDeadlineFirst()]
        // Memory from ample to scarce (preemption), batch caps from small to large.
        for (free, cap) in [(100_000, 32), (50, 64), (0, 256), (3000, 8)] {
            let snapshot = queue(running: 40, waiting: 3000, seed: seed, free: free, maxRunning: cap)
            for policy in policies {
                #expect(policy.schedule(snapshot) == fullSortPlan(policy, snapshot), "\(policy.name) free \(free) cap \(cap)")
            }
        }
    }

    @Test func aQueueShorterThanTheHeadIsSortedWhole() {
        let snapshot = queue(running: 5, waiting: 30, seed: 9, free: 10_000, maxRunning: 16)
        let sjf = PriorityScheduler.shortestJobFirst()
        #expect(sjf.schedule(snapshot) == fullSortPlan(sjf, snapshot))
    }
}
