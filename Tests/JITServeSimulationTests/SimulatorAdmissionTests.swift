import JITServeCore
import JITServeEngine
import JITServeScheduling
import JITServeSimulation
import Testing

/// The simulator sheds at each arrival by the engine's own admission control, as the server
/// does before a request enters its engine, and records the refusal as a client of the server
/// records a 429: `.shed`, failed in goodput.
@Suite struct SimulatorAdmissionTests {
    struct Guess: OutputLengthPredictor {
        let name = "guess"
        func distribution(for request: Request) -> LengthDistribution { .exactly(40) }
    }

    /// `count` streams arriving together at `at` seconds, each with `slo`.
    func burst(_ count: Int, at: Double = 0, prompt: Int = 300, slo: SLO) -> Workload {
        let requests = (0..<count).map { i in
            TracedRequest(
                request: Request(id: RequestID(UInt64(i + 1)), arrivedAt: Instant(seconds: at), promptTokenCount: prompt,
                                 maxOutputTokens: 512, slo: slo),
                outputTokenCount: 30)
        }
        return Workload(name: "burst", requests: requests, workflows: [], duration: .seconds(at + 1))
    }

    func simulate(_ workload: Workload, admission: AdmissionControl?, maxRunning: Int = 1) throws -> SimulationResult {
        let profile = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "a100")
        return try Simulator(
            workload: workload, makeExecutor: { SimulatedExecutor(profile: profile) },
            makeEngine: { executor, _ in
                EngineCore(
                    executor: executor, scheduler: VLLMScheduler(),
                    configuration: EngineConfiguration(maxRunning: maxRunning, admission: admission),
                    lengthPredictor: Guess())
            }
        ).run()
    }

    let relaxed = SLO.latency(ttft: .seconds(60), tbt: .seconds(1))

    @Test func aFullQueueShedsTheRestOfABurst() throws {
        // Ten at once onto one slot: the first three wait (0, 1, 2 ahead of them); the fourth
        // finds three waiting, the limit, and so does every later one.
        let result = try simulate(burst(10, slo: relaxed), admission: AdmissionControl(maxWaitingRequests: 3))
        let shed = result.records.filter { $0.timeline.finishReason == .shed }
        #expect(shed.map(\.request.id.rawValue) == Array(4...10))
        #expect(result.shedCount == 7)
        #expect(shed.allSatisfy { $0.timeline.finishedAt == $0.request.arrivedAt && $0.timeline.outputTokenCount == 0 })
        #expect(result.records.filter { $0.timeline.finishReason == .stop }.count == 3)
        #expect(result.report.overall.unitsMet == 3)
    }

    @Test func offTakesEveryRequest() throws {
        let result = try simulate(burst(10, slo: relaxed), admission: nil)
        #expect(result.shedCount == 0)
        #expect(result.records.allSatisfy { $0.timeline.finishReason == .stop })
    }

    @Test func anSLOShorterThanThePrefillIsShedAsTheServerWould() throws {
        // 4,000 prompt tokens take two 2,048-token iterations; a 1 ms deadline cannot be met.
        let hopeless = burst(1, prompt: 4000, slo: .deadline(ttlt: .milliseconds(1)))
        let shed = try simulate(hopeless, admission: AdmissionControl(maxWaitingRequests: 100))
        #expect(shed.records.map(\.timeline.finishReason) == [.shed])
        let kept = try simulate(hopeless, admission: nil)
        #expect(kept.records.map(\.timeline.finishReason) == [.stop])
    }

    @Test func theDecisionIsTheRuleOnTheEnginesLoadAtArrival() throws {
        // Replays the burst by hand through an engine and the rule; the simulator must shed
        // exactly the requests the rule refuses, at each arrival in turn.
        // A queue cap out of reach: the predicted wait (the prefill queued ahead) decides.
        let control = AdmissionControl(maxWaitingRequests: 100, predictsQueueingDelay: true)
        let slo = SLO.latency(ttft: .milliseconds(100), tbt: .milliseconds(100))
        let workload = burst(12, prompt: 1500, slo: slo)
        let profile = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "a100")
        let engine = EngineCore(
            executor: SimulatedExecutor(profile: profile), scheduler: VLLMScheduler(),
            configuration: EngineConfiguration(maxRunning: 2, admission: control), lengthPredictor: Guess())
        var expected: [UInt64] = []
        for traced in workload.requests {
            let r = traced.request
            do {
                try control.check(slo: r.slo, promptTokenCount: r.promptTokenCount, now: r.arrivedAt,
                                  load: AdmissionControl.Load(engine: engine))
                try engine.add(r)
            } catch {
                expected.append(r.id.rawValue)
            }
        }
        let result = try simulate(workload, admission: control, maxRunning: 2)
        let shed = result.records.filter { $0.timeline.finishReason == .shed && $0.timeline.finishedAt == $0.request.arrivedAt }
        #expect(!expected.isEmpty && expected.count < 12)
        #expect(shed.map(\.request.id.rawValue) == expected)
    }

    @Test func predictiveAdmissionShedsAWaitingStreamOnceItCannotCatchUp() throws {
        // Ten 30-token streams onto one slot, first come first served. The prefill queued ahead
        // is short, so predictive admission lets all ten in; the later ones wait whole answers
        // of the others. Token k of a stream is due 1 s + k · 10 ms after arrival, so one still
        // unstarted 1 s + 39 · 10 ms after arrival (its length bound is 40) can deliver nothing
        // on time: it is shed then, not answered late.
        let slo = SLO.latency(ttft: .seconds(1), tbt: .milliseconds(10))
        let predictive = AdmissionControl(maxWaitingRequests: 100, predictsQueueingDelay: true)
        let result = try simulate(burst(10, slo: slo), admission: predictive)
        let late = result.records.filter { $0.timeline.finishReason == .shed }
        let served = result.records.filter { $0.timeline.finishReason == .stop }
        #expect(!late.isEmpty && !served.isEmpty && late.count + served.count == 10)
        #expect(result.shedCount == late.count)
        for record in late {
            let waited = try #require(record.timeline.finishedAt).seconds - record.request.arrivedAt.seconds
            // Shed at the first iteration boundary past 1.39 s (one 30-token answer later at most).
            #expect(waited > 1.39 && waited < 2.4, "waited \(waited) s")
            #expect(record.timeline.firstScheduledAt == nil && record.timeline.outputTokenCount == 0)
        }
        // Only unstarted requests are shed: every served one ran to its end.
        #expect(served.allSatisfy { $0.timeline.outputTokenCount == 30 })
        // The same burst without the prediction (a queue cap only) answers every one, late.
        let capped = try simulate(burst(10, slo: slo), admission: AdmissionControl(maxWaitingRequests: 100))
        #expect(capped.records.allSatisfy { $0.timeline.finishReason == .stop })
        #expect(capped.records.contains { ($0.timeline.ttft?.seconds ?? 0) > 1.39 })
    }

    @Test func aStreamPastItsTTFTThatCanStillCatchUpIsServed() throws {
        // The same burst with a 1 s TBT: a stream that starts seconds late delivers its later
        // tokens on time (token k is due 1 s + k s after arrival), so it is worth serving.
        let slo = SLO.latency(ttft: .seconds(1), tbt: .seconds(1))
        let predictive = AdmissionControl(maxWaitingRequests: 100, predictsQueueingDelay: true)
        let result = try simulate(burst(10, slo: slo), admission: predictive)
        #expect(result.records.allSatisfy { $0.timeline.finishReason == .stop })
        #expect(result.records.contains { ($0.timeline.ttft?.seconds ?? 0) > 1 })
    }
}
