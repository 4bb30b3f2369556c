import JITServeCore
import JITServeScheduling
import Testing

/// Snapshots at now = 1 s with τ = 30 ms (see `Snap`).
@Suite struct SLOsServeSchedulerTests {
    let edf = PriorityScheduler.earliestDeadlineFirst()

    @Test func admissionDefersANewRequestThatWouldMakeAnAdmittedPrefillLate() {
        let slo = SLO.latency(ttft: .seconds(0.8), tbt: .milliseconds(100))
        // Admitted: 200 prompt tokens left, first token due at 1.065 s — two 100-token iterations.
        let admitted = Snap.seq(1, arrived: 0.265, prompt: 250, computed: 50, slo: slo)
        // New: 80 tokens due at 1.035 s. It fits alone, but running it first leaves request 1
        // 120 tokens for its last 2.2 iterations' worth of budget: 280 > 217.
        let newcomer = Snap.seq(2, arrived: 0.235, prompt: 80, slo: slo)
        let snapshot = Snap.snapshot(running: [admitted], waiting: [newcomer], tokens: 100)
        let plan = SLOsServeScheduler().schedule(snapshot)
        #expect(Snap.ids(plan) == [1])
        #expect(plan.scheduled.map(\.tokenCount) == [100])
        // Earliest deadline first, without admission control, lets the newcomer in first.
        #expect(Snap.ids(edf.schedule(snapshot)) == [2, 1])
    }

    @Test func aNewRequestIsAdmittedWhenEveryAdmittedDeadlineStillHolds() {
        let slo = SLO.latency(ttft: .seconds(0.8), tbt: .milliseconds(100))
        // The admitted prefill is due a little later (1.08 s: 2.67 iterations, 267 tokens).
        let admitted = Snap.seq(1, arrived: 0.28, prompt: 250, computed: 50, slo: slo)
        let newcomer = Snap.seq(2, arrived: 0.235, prompt: 60, slo: slo)
        let plan = SLOsServeScheduler().schedule(Snap.snapshot(running: [admitted], waiting: [newcomer], tokens: 100))
        #expect(Snap.ids(plan) == [2, 1])
        #expect(plan.scheduled.map(\.tokenCount) == [60, 40])
    }

    /// A decoding call that produced its first token at 0.9 s.
    func decoding(_ id: UInt64, generated: Int, slo: SLO) -> SequenceState {
        var s = Snap.seq(id, generated: generated, slo: slo, length: 100)
        s.firstTokenAt = Instant(seconds: 0.9)
        return s
    }

    @Test func aDeadlineBecomesADecodePaceFromTheLengthBound() {
        let stream = Snap.seq(1, generated: 5, slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100)))  // next due 1.5 s
        // Bound 100 tokens, due at 4.3 s: a token every 34.3 ms from 0.9 s. With 10 tokens its
        // 11th is due at 1.24 s, before the stream's next; EDF only sees the 4.3 s deadline.
        let behind = decoding(2, generated: 10, slo: .deadline(ttlt: .seconds(4.3)))
        // Three places: both run, in serving order.
        let snapshot = Snap.snapshot(running: [stream, behind], maxRunning: 3)
        #expect(Snap.ids(SLOsServeScheduler().schedule(snapshot)) == [2, 1])
        #expect(Snap.ids(edf.schedule(snapshot)) == [1, 2])
        // With 50 tokens it is ahead of its pace (next due 2.6 s) and yields to the stream,
        // though it still needs a token every 66 ms from now to finish by its deadline.
        let ahead = decoding(2, generated: 50, slo: .deadline(ttlt: .seconds(4.3)))
        #expect(Snap.ids(SLOsServeScheduler().schedule(Snap.snapshot(running: [stream, ahead], maxRunning: 3))) == [1, 2])
        // Running nearly every iteration would not finish it by 3.3 s: overdue, it yields too.
        let late = decoding(2, generated: 10, slo: .deadline(ttlt: .seconds(3.3)))
        #expect(Snap.ids(SLOsServeScheduler().schedule(Snap.snapshot(running: [stream, late], maxRunning: 3))) == [1, 2])
    }

    @Test func aCompoundCallIsPacedToItsStageSubDeadline() {
        let wf = WorkflowID(7)
        let compound = SLO.compound(CompoundSLO(workflowID: wf, stage: 0, workflowStartedAt: .zero, deadline: .seconds(100)))
        let stream = Snap.seq(1, generated: 5, slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100)))
        let call = decoding(2, generated: 10, slo: compound)
        let estimate = WorkflowEstimate(remainingStageCount: 2, remainingFutureOutputTokens: 500,
                                        currentStageDueAt: Instant(seconds: 4.3))
        // Batch order is serving order (three places: both run).
        let withEstimate = Snap.snapshot(running: [stream, call], maxRunning: 3, workflows: [wf: estimate])
        #expect(Snap.ids(SLOsServeScheduler().schedule(withEstimate)) == [2, 1])
        // Without a sub-deadline only the workflow's 100 s deadline is known.
        #expect(Snap.ids(SLOsServeScheduler().schedule(Snap.snapshot(running: [stream, call], maxRunning: 3))) == [1, 2])
    }

    @Test func noMoreDecodePacesAreGuaranteedThanTheBatchCapCarries() {
        // Three on-time streams needing a token every 100 ms (0.3 of an iteration each); two
        // places, of which 70 % may be promised: the newest loses its guarantee although its
        // next token is due first.
        func stream(_ id: UInt64, arrived: Double, ttft: Double, generated: Int) -> SequenceState {
            Snap.seq(id, arrived: arrived, generated: generated, slo: .latency(ttft: .seconds(ttft), tbt: .milliseconds(100)))
        }
        let running = [stream(1, arrived: 0.1, ttft: 1, generated: 5), stream(2, arrived: 0.2, ttft: 1, generated: 5),
                       stream(3, arrived: 0.3, ttft: 0.5, generated: 3)]  // next due 1.6, 1.7, 1.1 s
        let snapshot = Snap.snapshot(running: running, maxRunning: 2)
        #expect(Snap.ids(SLOsServeScheduler().schedule(snapshot)) == [1, 2])
        #expect(Snap.ids(edf.schedule(snapshot)) == [3, 1])
    }

    @Test func overdueWorkGetsOnlyWhatOnTimeWorkLeaves() {
        // Request 1's third token was due at 0.7 s; request 2's is due at 1.5 s.
        let overdue = Snap.seq(1, generated: 2, slo: .latency(ttft: .seconds(0.5), tbt: .milliseconds(100)))
        let onTime = Snap.seq(2, arrived: 0.5, generated: 2, slo: .latency(ttft: .seconds(0.8), tbt: .milliseconds(100)))
        let snapshot = Snap.snapshot(running: [overdue, onTime], maxRunning: 1)
        #expect(Snap.ids(SLOsServeScheduler().schedule(snapshot)) == [2])
        #expect(Snap.ids(edf.schedule(snapshot)) == [1])
        // With room for both, the overdue one still runs: it is demoted, not dropped.
        #expect(Snap.ids(SLOsServeScheduler().schedule(Snap.snapshot(running: [overdue, onTime]))) == [2, 1])
    }

    @Test func aRequestPastItsFirstTokenDeadlineIsServedBestEffortLast() {
        let hopeless = Snap.seq(1, arrived: 0, slo: .latency(ttft: .seconds(0.5), tbt: .milliseconds(100)))
        let fresh = Snap.seq(2, arrived: 0.5, slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100)))
        let snapshot = Snap.snapshot(waiting: [hopeless, fresh])
        #expect(Snap.ids(SLOsServeScheduler().schedule(snapshot)) == [2, 1])
        #expect(Snap.ids(edf.schedule(snapshot)) == [1, 2])
    }

    @Test func aNewRequestWhoseMemoryIsNotFreeIsDeclined() {
        let slo = SLO.latency(ttft: .seconds(1), tbt: .milliseconds(100))
        // Two equal newcomers of 200 + 100 tokens (19 blocks each); 30 blocks free: one fits.
        // The declined one gets no prefill while the admitted one still has prompt left, even
        // though it is due at the same time.
        let a = Snap.seq(1, arrived: 0.5, prompt: 200, slo: slo), b = Snap.seq(2, arrived: 0.5, prompt: 200, slo: slo)
        let plan = SLOsServeScheduler().schedule(Snap.snapshot(waiting: [a, b], tokens: 150, free: 30))
        #expect(plan.scheduled.count == 1)
        #expect(plan.scheduled.map(\.tokenCount) == [150])
        // With room for both, both are admitted and share the budget.
        let roomy = SLOsServeScheduler().schedule(Snap.snapshot(waiting: [a, b], tokens: 250, free: 40))
        #expect(Snap.ids(roomy) == [1, 2])
    }

    @Test func workWithoutAGuaranteeGivesUpItsMemoryFirst() {
        // Both sit on a block boundary and none is free. Request 2 missed its deadline.
        let stream = Snap.seq(1, arrived: 0.5, prompt: 16, generated: 17, computed: 32, blocks: 2,
                              slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100)))
        let late = Snap.seq(2, arrived: 0, prompt: 16, generated: 17, computed: 32, blocks: 2, slo: .deadline(ttlt: .seconds(0.9)))
        let plan = SLOsServeScheduler().schedule(Snap.snapshot(running: [late, stream], free: 0))
        #expect(plan.preempted == [RequestID(2)])
        #expect(Snap.ids(plan) == [1])
    }
}

@Suite struct SLOsServeScreeningTests {
    @Test func onlyTheMostUrgentNewRequestsAreWeighedTheRestWaitFirstComeFirstServed() {
        func stream(_ id: UInt64, arrived: Double, ttft: Double) -> SequenceState {
            Snap.seq(id, arrived: arrived, slo: .latency(ttft: .seconds(ttft), tbt: .milliseconds(100)))
        }
        // First tokens due at 1.9, 1.4 and 1.5 s.
        let waiting = [stream(1, arrived: 0.1, ttft: 1.8), stream(2, arrived: 0.2, ttft: 1.2), stream(3, arrived: 0.3, ttft: 1.2)]
        var options = SLOsServeScheduler.Options()
        options.candidateWindow = 1
        let snapshot = Snap.snapshot(waiting: waiting)
        // Request 2 is weighed and admitted; 1 and 3 follow as best effort in arrival order.
        #expect(Snap.ids(SLOsServeScheduler(options: options).schedule(snapshot)) == [2, 1, 3])
        // Weighing all three orders them by deadline.
        #expect(Snap.ids(SLOsServeScheduler().schedule(snapshot)) == [2, 3, 1])
    }
}
