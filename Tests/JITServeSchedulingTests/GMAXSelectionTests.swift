import JITServeCore
import JITServeScheduling
import Testing

/// A long queue of mixed SLOs (latency, deadline, calls of workflows a few calls each) that
/// arrived over the last two seconds, with estimates that spread from short to long, so
/// selection has to pick a head out of thousands.
private func longQueue(running: Int, waiting: Int, seed: UInt64, free: Int, maxRunning: Int) -> SchedulerSnapshot {
    var state = seed
    func next(_ n: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(n))
    }
    let workflows = (0..<400).map { WorkflowID(UInt64($0 + 1)) }
    func slo() -> SLO {
        switch next(5) {
        case 0, 1: .latency(ttft: .seconds(Double(2 + next(5))), tbt: .milliseconds(50 + next(100)))
        case 2, 3: .deadline(ttlt: .seconds(Double(40 + next(200))))
        default: .compound(CompoundSLO(workflowID: workflows[next(workflows.count)], stage: 0,
                                       workflowStartedAt: .zero, deadline: .seconds(Double(60 + next(200)))))
        }
    }
    func row(_ i: Int, isRunning: Bool) -> SequenceState {
        let prompt = 50 + next(2000)
        let generated = isRunning ? 1 + next(300) : 0
        let computed = isRunning ? prompt + generated - 1 : 0
        return SequenceState(
            id: RequestID(UInt64(i + 1)), slo: slo(), arrivedAt: Instant(seconds: 10 + Double(next(80)) / 40),
            promptTokenCount: prompt, maxOutputTokens: 4096,
            length: LengthDistribution(samples: [10 + next(50), 100 + next(300), 300 + next(500)]),
            generatedTokenCount: generated, computedTokenCount: computed, allocatedBlockCount: (computed + 15) / 16)
    }
    var estimates: [WorkflowID: WorkflowEstimate] = [:]
    for wf in workflows {
        estimates[wf] = WorkflowEstimate(remainingStageCount: next(3), remainingFutureOutputTokens: next(3000),
                                         currentStageDueAt: Instant(seconds: Double(40 + next(60))))
    }
    return SchedulerSnapshot(
        now: Instant(seconds: 12), running: (0..<running).map { row($0, isRunning: true) },
        waiting: (running..<(running + waiting)).map { row($0, isRunning: false) },
        budget: BatchBudget(maxBatchedTokens: 2048, maxRunning: maxRunning, blockSize: 16, freeBlockCount: free),
        iterationSeconds: 0.03, workflows: estimates)
}

/// Bounded ranking (`GMAXScheduler+Selection`) against ranking every waiting request exactly.
@Suite struct GMAXSelectionTests {
    private static func exact() -> GMAXScheduler {
        var options = GMAXScheduler.Options()
        options.boundedRanking = false
        return GMAXScheduler(options: options)
    }

    /// The guarantee holds while no more requests are urgent than the bound ranks (among more,
    /// the exact order goes by density and the bounded one keeps the least slack).
    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func boundedRankingPicksTheExactBatch(seed: UInt64) {
        // Memory from ample to scarce (preemption), batch caps from small to large.
        for (free, cap) in [(100_000, 32), (400, 64), (100_000, 256), (0, 32)] {
            let snapshot = longQueue(running: min(cap, 24), waiting: 4000, seed: seed, free: free, maxRunning: cap)
            let urgent = GMAXScheduler().standings(snapshot).filter { $0.tier == .urgent }.count
            #expect(urgent > 0 && urgent <= max(256, 4 * cap), "\(urgent) urgent")
            #expect(GMAXScheduler().schedule(snapshot) == Self.exact().schedule(snapshot), "free \(free) cap \(cap)")
        }
    }

    @Test func aShortQueueIsRankedWhole() {
        // Below the bound nothing is left unranked: the two must agree on any snapshot.
        let snapshot = longQueue(running: 10, waiting: 100, seed: 7, free: 1000, maxRunning: 16)
        #expect(GMAXScheduler().schedule(snapshot) == Self.exact().schedule(snapshot))
    }

    @Test func theNearestMilestonesAreRankedFirstEvenAtTheBackOfALongQueue() {
        // 1,000 relaxed deadline requests arrived first; one latency request arrived last and
        // its first token is due now. Selection must still rank it, and it must run.
        let relaxed = (1...1000).map {
            Snap.seq(UInt64($0), arrived: 0, prompt: 100, slo: .deadline(ttlt: .seconds(600)), length: 100)
        }
        let due = Snap.seq(5000, arrived: 0.9, prompt: 100, slo: .latency(ttft: .milliseconds(200), tbt: .milliseconds(100)))
        let snapshot = Snap.snapshot(waiting: relaxed + [due], now: 1, tokens: 2048, maxRunning: 1)
        #expect(Snap.ids(GMAXScheduler().schedule(snapshot)) == [5000])
    }
}
