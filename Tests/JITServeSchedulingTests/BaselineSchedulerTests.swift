import JITServeCore
import JITServeScheduling
import Testing

@Suite struct BaselineSchedulerTests {
    @Test func vllmAdmitsWholePrefillsFirstInArrivalOrder() {
        let running = [Snap.seq(1, generated: 5)]
        let waiting = [Snap.seq(3, arrived: 0.3, prompt: 300), Snap.seq(2, arrived: 0.2, prompt: 200)]
        let plan = VLLMScheduler().schedule(Snap.snapshot(running: running, waiting: waiting.sorted { $0.arrivedAt < $1.arrivedAt }))
        #expect(Snap.ids(plan) == [2, 3])
        #expect(plan.scheduled.map(\.tokenCount) == [200, 300])
    }

    @Test func vllmDecodesEveryRunningRequestWhenNothingWaits() {
        let running = [Snap.seq(2, arrived: 2, generated: 3), Snap.seq(1, arrived: 1, generated: 9)]
        let plan = VLLMScheduler().schedule(Snap.snapshot(running: running))
        #expect(Snap.ids(plan) == [1, 2])
        #expect(plan.scheduled.allSatisfy { $0.tokenCount == 1 })
    }

    @Test func vllmPreemptsTheNewestWhenMemoryRunsOut() {
        // Both sit exactly on a block boundary: each decode needs a fresh block; one is free.
        let running = [Snap.seq(1, arrived: 1, prompt: 16, generated: 17, computed: 32, blocks: 2),
                       Snap.seq(2, arrived: 2, prompt: 16, generated: 17, computed: 32, blocks: 2)]
        let plan = VLLMScheduler().schedule(Snap.snapshot(running: running, free: 0))
        #expect(plan.preempted == [RequestID(2)])
        #expect(Snap.ids(plan) == [1])
    }

    @Test func sarathiRunsDecodesFirstThenChunksPrefillIntoTheLeftover() {
        let running = [Snap.seq(1, arrived: 1, generated: 4), Snap.seq(2, arrived: 2, generated: 4)]
        let waiting = [Snap.seq(3, arrived: 3, prompt: 1000)]
        let plan = SarathiScheduler().schedule(Snap.snapshot(running: running, waiting: waiting, tokens: 256))
        #expect(Snap.ids(plan) == [1, 2, 3])
        #expect(plan.scheduled.map(\.tokenCount) == [1, 1, 254])
    }

    @Test func lasRunsTheLeastServedFirstSummedOverAWorkflow() {
        let wf = WorkflowID(9)
        let compound = SLO.compound(CompoundSLO(workflowID: wf, stage: 1, workflowStartedAt: .zero, deadline: .seconds(60)))
        let running = [Snap.seq(1, generated: 1, service: 5000), Snap.seq(2, generated: 1, slo: compound, service: 10)]
        let waiting = [Snap.seq(3, arrived: 5, prompt: 50)]
        var snapshot = Snap.snapshot(running: running, waiting: waiting, maxRunning: 2)
        snapshot.workflowServiceTokens = [wf: 9000]
        let plan = PriorityScheduler.leastAttainedService().schedule(snapshot)
        // Request 3 has no service; the workflow call has the most (summed over its workflow).
        #expect(Snap.ids(plan) == [3, 1])
    }

    @Test func sjfRunsTheShortestPredictedRemainderFirst() {
        let running = [Snap.seq(1, generated: 10, length: 500), Snap.seq(2, generated: 10, length: 40)]
        let waiting = [Snap.seq(3, arrived: 5, prompt: 20, length: 100)]
        let plan = PriorityScheduler.shortestJobFirst().schedule(Snap.snapshot(running: running, waiting: waiting))
        #expect(Snap.ids(plan) == [2, 3, 1])
    }

    @Test func edfRunsTheEarliestDeadlineFirst() {
        let wf = WorkflowID(4)
        let compound = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(100)))
        let stream = Snap.seq(1, generated: 10, slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100)))  // next due 2.0
        let tool = Snap.seq(2, generated: 1, slo: .deadline(ttlt: .seconds(1.5)))                             // due 1.5
        let agent = Snap.seq(3, generated: 1, slo: compound)                                                  // sub-deadline 1.2
        let estimate = WorkflowEstimate(remainingStageCount: 3, remainingFutureOutputTokens: 900,
                                        currentStageDueAt: Instant(seconds: 1.2))
        let plan = PriorityScheduler.earliestDeadlineFirst()
            .schedule(Snap.snapshot(running: [stream, tool, agent], workflows: [wf: estimate]))
        #expect(Snap.ids(plan) == [3, 2, 1])
    }

    @Test func catalogRefusesUnknownNamesListingTheValidOnes() {
        #expect(throws: SchedulingError.unknownScheduler("fifo", valid: SchedulerCatalog.names)) {
            try SchedulerCatalog.make("fifo")
        }
        for name in SchedulerCatalog.names { #expect((try? SchedulerCatalog.make(name))?.name == name) }
    }
}

@Suite struct BatchPackerTests {
    @Test func victimsAlwaysRankBelowTheRequestTheyMakeRoomFor() {
        // Low-priority holder 9 gives way for 1; nobody gives way for the lowest-ranked request.
        let holder = Snap.seq(9, arrived: 0, prompt: 60, generated: 1, computed: 60, blocks: 4)
        let urgent = Snap.seq(1, arrived: 1, prompt: 64)
        let snapshot = Snap.snapshot(running: [holder], waiting: [urgent], free: 0)
        let plan = BatchPacker().pack([urgent, holder], snapshot: snapshot)
        #expect(plan.preempted == [RequestID(9)])
        #expect(Snap.ids(plan) == [1])
        let reversed = BatchPacker().pack([holder, urgent], snapshot: snapshot)
        #expect(reversed.preempted.isEmpty)
        #expect(Snap.ids(reversed) == [9])
    }

    @Test func respectsTheBatchCapAndPreemptionBound() {
        let waiting = (1...10).map { Snap.seq(UInt64($0), arrived: Double($0), prompt: 16) }
        let plan = BatchPacker().pack(waiting, snapshot: Snap.snapshot(waiting: waiting, maxRunning: 4))
        #expect(Snap.ids(plan) == [1, 2, 3, 4])
        let holders = (1...6).map { Snap.seq(UInt64(10 + $0), prompt: 16, generated: 1, computed: 16, blocks: 1) }
        let big = Snap.seq(1, arrived: 9, prompt: 96)
        let bounded = BatchPacker(chunkedPrefill: false, maxPreemptions: 2)
            .pack([big] + holders, snapshot: Snap.snapshot(running: holders, waiting: [big], free: 0))
        #expect(bounded.preempted.count == 2)
        #expect(!Snap.ids(bounded).contains(1))
    }

    @Test func aRowThatMayNotPreemptLeavesTheVictimsToTheRowsAfterIt() {
        // Memory is full; holder 9 ranks last. Rows 1 and 2 each need four blocks.
        let holder = Snap.seq(9, arrived: 0, prompt: 60, generated: 1, computed: 60, blocks: 4)
        let first = Snap.seq(1, arrived: 1, prompt: 64), second = Snap.seq(2, arrived: 2, prompt: 64)
        let rows = [first, second, holder]
        let snapshot = Snap.snapshot(running: [holder], waiting: [first, second], free: 0)
        // Row 0 may not preempt: it waits, and row 1 takes the holder's blocks.
        let plan = BatchPacker(mayPreempt: [false, true, true]).pack(order: [0, 1, 2], of: rows, snapshot: snapshot)
        #expect(plan.preempted == [RequestID(9)])
        #expect(Snap.ids(plan) == [2])
        // A holder that `isPreemptible` turns down for row 0 is passed over for good.
        let refused = BatchPacker(isPreemptible: { _, claimant in claimant.id != RequestID(1) })
            .pack(order: [0, 1, 2], of: rows, snapshot: snapshot)
        #expect(refused.preempted.isEmpty)
        #expect(Snap.ids(refused) == [9])
    }
}
