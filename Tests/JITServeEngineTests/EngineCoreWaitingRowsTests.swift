import JITServeCore
@testable import JITServeEngine
import JITServeScheduling
import Testing

/// The engine keeps each waiting request's scheduler row from when it joins the queue: after
/// any mix of arrivals, admissions, preemptions (swap and recompute), cancellations and
/// finishes, every kept row must be the row the engine would build now.
@Suite struct EngineCoreWaitingRowsTests {
    /// The echo executor with host memory, so that swap preemption happens.
    final class SwappingEcho: Executor {
        let echo = EchoExecutor(stopAfter: 24, blockSize: 16, kvBlockCapacity: 20)
        var blockSize: Int { echo.blockSize }
        var kvBlockCapacity: Int { echo.kvBlockCapacity }
        let swapBlockCapacity = 12
        var maxModelLength: Int { echo.maxModelLength }
        func execute(_ batch: ExecutionBatch) throws -> ExecutionOutcome { try echo.execute(batch) }
        func release(_ requestID: RequestID) {}
    }

    @Test(arguments: [PreemptionMode.swap, .recompute], [false, true])
    func keptRowsMatchRebuiltRowsThroughRandomWork(preemption: PreemptionMode, caching: Bool) throws {
        var rng = SplitMix64(seed: caching ? 11 : 7)
        let schedulers: [any Scheduler] = [SarathiScheduler(), PriorityScheduler.shortestJobFirst(), GMAXScheduler()]
        for (round, scheduler) in schedulers.enumerated() {
            let core = EngineCore(
                executor: SwappingEcho(), scheduler: scheduler,
                configuration: .init(maxBatchedTokens: 64, preemptionMode: preemption, enablePrefixCaching: caching),
                lengthPredictor: FlatPredictor())
            var nextID: UInt64 = 1, held: [RequestID] = [], preemptions = 0
            for step in 0..<300 {
                let now = Instant(seconds: Double(step))
                for _ in 0..<rng.nextInt(below: 3) {
                    // Half with prompt token IDs (a served request), half without (a trace replay's).
                    let length = 8 + rng.nextInt(below: 40)
                    let tokens = rng.nextInt(below: 2) == 0 ? (0..<length).map { _ in Int32(40 + rng.nextInt(below: 4)) } : nil
                    try core.add(Request(
                        id: RequestID(nextID), arrivedAt: now, promptTokenCount: length, promptTokenIDs: tokens,
                        maxOutputTokens: 32, slo: .latency(ttft: .seconds(2), tbt: .milliseconds(500))))
                    held.append(RequestID(nextID))
                    nextID += 1
                }
                if !held.isEmpty, rng.nextInt(below: 8) == 0 {
                    _ = core.cancel(held.remove(at: rng.nextInt(below: held.count)), at: now)
                }
                var plan = core.plan(now: now)
                let view = core.snapshot(now: now)
                if !view.running.isEmpty, rng.nextInt(below: 4) == 0 {
                    plan.preempted.append(view.running[rng.nextInt(below: view.running.count)].id)
                }
                // Now and then a plan that asks for more memory than is free, as a careless
                // policy might: the engine swaps the request in (or claims its cached prefix),
                // fails to allocate the rest, and leaves it waiting with its KV moved.
                if let extra = view.waiting.filter({ $0.isSwapped || $0.computedTokenCount > 0 }).randomElement(using: &rng),
                   rng.nextInt(below: 2) == 0, !plan.scheduled.contains(where: { $0.requestID == extra.id }) {
                    plan.scheduled.append(ScheduledWork(requestID: extra.id, tokenCount: extra.pendingTokenCount))
                }
                let admission = core.admit(plan, now: now)
                preemptions += admission.preemptionCount
                #expect(core.waitingRowsAreCurrent(), "round \(round), after admitting at step \(step)")
                if !admission.isEmpty {
                    let report = core.apply(try core.execute(admission), to: admission)
                    held.removeAll { id in report.finished.contains { $0.request.id == id } }
                }
                #expect(core.waitingRowsAreCurrent(), "round \(round), after step \(step)")
            }
            #expect(preemptions > 20)
            #expect(core.kvBlocksAreConsistent())
        }
    }
}
