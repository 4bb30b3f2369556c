import Foundation
import JITServeCore
import JITServeEngine
import JITServeScheduling
import JITServeSimulation
import Testing

/// A small workload: streams, tool calls and two staged workflows, all with known lengths.
private func smallWorkload() -> Workload {
    var requests: [TracedRequest] = []
    for i in 0..<40 {
        let slo: SLO = i.isMultiple(of: 2)
            ? .latency(ttft: .seconds(1), tbt: .milliseconds(100)) : .deadline(ttlt: .seconds(20))
        let r = Request(id: RequestID(UInt64(i + 1)), arrivedAt: Instant(seconds: Double(i) * 0.25),
                        promptTokenCount: 200 + 50 * (i % 7), maxOutputTokens: 4096, slo: slo)
        requests.append(TracedRequest(request: r, outputTokenCount: 20 + 13 * (i % 11)))
    }
    let call = WorkflowSpec.Call(promptTokenCount: 500, outputTokenCount: 60)
    let workflows = (0..<2).map { w in
        TracedWorkflow(
            spec: WorkflowSpec(id: WorkflowID(UInt64(w)), application: "test", stages: [
                .init(calls: [call]), .init(calls: [call, call, call]), .init(calls: [call]),
            ]),
            arrivedAt: Instant(seconds: Double(w) * 3), deadline: .seconds(60), tier: 1)
    }
    return Workload(name: "small", requests: requests, workflows: workflows, duration: .seconds(10))
}

private func simulate(_ policy: String, replicas: Int = 1, workload: Workload = smallWorkload()) throws -> SimulationResult {
    let profile = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "a100")
    let oracle = SchedulerCatalog.isOracle(policy)
    let scheduler = try SchedulerCatalog.make(policy)
    let simulator = Simulator(
        workload: workload, makeExecutor: { SimulatedExecutor(profile: profile) },
        makeEngine: { executor, plan in
            EngineCore(
                executor: executor, scheduler: scheduler,
                lengthPredictor: oracle ? OracleLengthPredictor(plan: plan) : FixedGuess(),
                workflowPredictor: oracle ? OracleWorkflowPredictor(plan: plan) : nil)
        },
        options: .init(replicaCount: replicas))
    return try simulator.run()
}

private struct FixedGuess: OutputLengthPredictor {
    let name = "fixed"
    func distribution(for request: Request) -> LengthDistribution { LengthDistribution(samples: [50, 100, 200]) }
}

@Suite struct SimulatorTests {
    @Test(arguments: SchedulerCatalog.names)
    func everyCallOfTheWorkloadFinishesWithItsTraceLength(policy: String) throws {
        let workload = smallWorkload()
        let result = try simulate(policy, workload: workload)
        let plan = WorkloadPlan(workload)
        #expect(result.records.count == workload.callCount)
        #expect(result.unfinishedCount == 0)
        for record in result.records {
            #expect(record.timeline.finishReason == .stop)
            #expect(record.timeline.outputTokenCount == plan.outputTokenCount[record.request.id])
        }
    }

    @Test func workflowStagesRunInOrder() throws {
        let result = try simulate("sarathi")
        let calls = result.records.filter { $0.request.slo.workflowID == WorkflowID(0) }
        #expect(calls.count == 5)
        func stage(_ r: RequestRecord) -> Int {
            if case .compound(let c) = r.request.slo { return c.stage }
            return -1
        }
        for later in calls {
            for earlier in calls where stage(earlier) < stage(later) {
                #expect(earlier.timeline.finishedAt! <= later.request.arrivedAt)
            }
        }
    }

    @Test func sameInputsGiveByteIdenticalSummaries() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func summary() throws -> Data {
            let result = try simulate("jitserve", replicas: 2)
            return try encoder.encode(SimulationSummary(
                scheduler: "jitserve", workload: "small", hardware: "h", lengthPredictor: "fixed", rps: nil,
                seed: 1, result: result))
        }
        #expect(try summary() == summary())
    }

    @Test func moreReplicasNeverLoseCalls() throws {
        let workload = smallWorkload()
        for replicas in [1, 2, 3] {
            let result = try simulate("edf", replicas: replicas, workload: workload)
            #expect(result.records.count == workload.callCount)
            #expect(result.unfinishedCount == 0)
        }
    }
}

@Suite struct SimulatorEarlyStopTests {
    /// 600 requests in 3 s, each due 15 s after it arrives: the first ones make it, most cannot,
    /// so a run may stop long before they all finish.
    private func overload() -> Workload {
        let requests = (0..<600).map { i in
            TracedRequest(request: Request(id: RequestID(UInt64(i + 1)), arrivedAt: Instant(seconds: Double(i) * 0.005),
                                           promptTokenCount: 300, maxOutputTokens: 4096, slo: .deadline(ttlt: .seconds(15))),
                          outputTokenCount: 100 + i % 200)
        }
        return Workload(name: "overload", requests: requests, workflows: [], duration: .seconds(3))
    }

    private func run(stopping: Bool) throws -> SimulationResult {
        let profile = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "a100")
        let scheduler = try SchedulerCatalog.make("vllm")
        return try Simulator(
            workload: overload(), makeExecutor: { SimulatedExecutor(profile: profile) },
            makeEngine: { executor, _ in EngineCore(executor: executor, scheduler: scheduler, lengthPredictor: FixedGuess()) },
            options: .init(stopsWhenNothingCanCount: stopping)
        ).run()
    }

    @Test func stoppingWhenNothingCanCountKeepsGoodputAndAttainment() throws {
        let full = try run(stopping: false)
        let early = try run(stopping: true)
        #expect(early.simulatedSeconds < full.simulatedSeconds)
        #expect(early.report.overall.tokenGoodput == full.report.overall.tokenGoodput)
        #expect(early.report.overall.sloAttainment == full.report.overall.sloAttainment)
        #expect(full.report.overall.tokenGoodput > 0)
    }
}
