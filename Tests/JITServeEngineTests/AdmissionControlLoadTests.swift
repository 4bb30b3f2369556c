import JITServeCore
import JITServeEngine
import JITServeScheduling
import Testing

/// The load admission reads off an engine that the simulator drives: the same figures the live
/// engine publishes (`EngineCore.load`, `stats`), taken between iterations.
@Suite struct AdmissionControlLoadTests {
    @Test func theLoadOfACoreIsItsQueueRunningSetAndPendingPrefill() throws {
        let executor = FixedLengthExecutor(blocks: 4096)
        let engine = EngineCore(
            executor: executor, scheduler: VLLMScheduler(),
            configuration: EngineConfiguration(maxBatchedTokens: 256, maxRunning: 2), lengthPredictor: FlatPredictor())
        for i in 1...5 {
            executor.lengths[RequestID(UInt64(i))] = 8
            try engine.add(request(UInt64(i), prompt: 100 * i))
        }
        var now = Instant.zero
        for step in 0..<4 {
            let load = AdmissionControl.Load(engine: engine, departuresPerSecond: 3)
            let stats = engine.stats
            #expect(load.queuedCount == stats.waitingCount, "step \(step)")
            #expect(load.runningCount == stats.runningCount, "step \(step)")
            #expect(load.maxRunning == 2 && load.maxBatchedTokens == 256)
            #expect(load.iterationSeconds == engine.recentIterationSeconds)
            #expect(load.departuresPerSecond == 3)
            // The cheap sum equals what the published load (one SLO pass) counts.
            #expect(load.pendingPrefillTokens == engine.load(now: now).pendingPrefillTokens, "step \(step)")
            now = try engine.step(now: now).finishedAt
        }
        // Before any step all 1,500 prompt tokens were pending; prefill has eaten into them.
        #expect(engine.pendingPrefillTokenCount < 1500 - 5)
    }

    @Test func theRuleIsPartOfTheWiring() throws {
        func wiring(_ admission: AdmissionControl?) -> EngineWiring {
            EngineCore(
                executor: FixedLengthExecutor(blocks: 64), scheduler: VLLMScheduler(),
                configuration: EngineConfiguration(admission: admission), lengthPredictor: FlatPredictor()
            ).wiring
        }
        #expect(wiring(nil).admission == "off")
        #expect(wiring(AdmissionControl(maxWaitingRequests: 7)) == wiring(AdmissionControl(maxWaitingRequests: 7)))
        #expect(wiring(AdmissionControl(maxWaitingRequests: 7)) != wiring(AdmissionControl(maxWaitingRequests: 8)))
        #expect(wiring(AdmissionControl(maxWaitingRequests: 7)) != wiring(nil))
    }
}
