import JITServeCore
import JITServeEngine
import JITServePrediction
import JITServeRouter
import JITServeScheduling
import JITServeSimulation
import Testing

/// Streams, tool calls and staged workflows arriving fast enough to queue on three replicas.
private func busyWorkload() -> Workload {
    var requests: [TracedRequest] = []
    for i in 0..<120 {
        let slo: SLO = i.isMultiple(of: 2)
            ? .latency(ttft: .seconds(1), tbt: .milliseconds(100)) : .deadline(ttlt: .seconds(15))
        let r = Request(id: RequestID(UInt64(i + 1)), arrivedAt: Instant(seconds: Double(i) * 0.05),
                        promptTokenCount: 300 + 170 * (i % 9), maxOutputTokens: 4096, slo: slo)
        requests.append(TracedRequest(request: r, outputTokenCount: 30 + 37 * (i % 13)))
    }
    let call = WorkflowSpec.Call(promptTokenCount: 1500, outputTokenCount: 120)
    let workflows = (0..<6).map { w in
        TracedWorkflow(
            spec: WorkflowSpec(id: WorkflowID(UInt64(w)), application: "test", stages: [
                .init(calls: [call]), .init(calls: [call, call, call]), .init(calls: [call]),
            ]),
            arrivedAt: Instant(seconds: Double(w)), deadline: .seconds(40), tier: 1)
    }
    return Workload(name: "busy", requests: requests, workflows: workflows, duration: .seconds(6))
}

private struct Guess: OutputLengthPredictor {
    let name = "guess"
    func distribution(for request: Request) -> LengthDistribution { LengthDistribution(samples: [50, 100, 200, 400]) }
}

private func replay(_ workload: Workload = busyWorkload(), replicas: Int = 3, router: (any Router)? = nil) throws -> SimulationResult {
    let profile = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "a100")
    let scheduler = try SchedulerCatalog.make("sarathi")
    return try Simulator(
        workload: workload, makeExecutor: { SimulatedExecutor(profile: profile) },
        makeEngine: { executor, _ in EngineCore(executor: executor, scheduler: scheduler, lengthPredictor: Guess()) },
        options: .init(replicaCount: replicas, router: router)
    ).run()
}

/// The balancer the simulator had built in before routers: fewest requests in flight by its own
/// count (ties to the lowest index), a workflow's calls on its first call's replica.
private struct InFlightBalancer: Router {
    let name = "in-flight"
    var readsReplicaLoad: Bool { false }
    var inFlight: [String: Int] = [:]
    var home: [WorkflowID: String] = [:]

    func decide(_ request: RoutingRequest, endpoints: [ReplicaSnapshot], now: Instant) -> RoutingDecision {
        if let wf = request.workflowID, let e = home[wf], let i = endpoints.firstIndex(where: { $0.endpoint == e }) {
            return .route([i])
        }
        var best = 0
        for r in endpoints.indices.dropFirst()
        where inFlight[endpoints[r].endpoint, default: 0] < inFlight[endpoints[best].endpoint, default: 0] { best = r }
        return .route([best])
    }

    mutating func didRoute(_ request: RoutingRequest, to endpoint: String, at now: Instant) {
        inFlight[endpoint, default: 0] += 1
        if let wf = request.workflowID, home[wf] == nil { home[wf] = endpoint }
    }

    mutating func didFinish(_ request: RoutingRequest, at endpoint: String, outputTokenCount: Int?, now: Instant) {
        inFlight[endpoint, default: 0] -= 1
    }

    mutating func didFinishWorkflow(_ workflow: WorkflowID) { home[workflow] = nil }
}

/// Sheds every deadline request and every call of workflow 1; the rest round-robin.
private struct SheddingRouter: Router {
    let name = "shedding"
    var turn = 0
    func decide(_ request: RoutingRequest, endpoints: [ReplicaSnapshot], now: Instant) -> RoutingDecision {
        if request.slo.kind == .deadline || request.workflowID == WorkflowID(1) { return .shed(retryAfter: .seconds(1)) }
        return .route([turn % endpoints.count])
    }
    mutating func didRoute(_ request: RoutingRequest, to endpoint: String, at now: Instant) { turn += 1 }
}

@Suite struct SimulatorRoutingTests {
    @Test func theDefaultRouterBalancesAsTheBuiltInBalancerDid() throws {
        let byDefault = try replay()
        let builtIn = try replay(router: InFlightBalancer())
        #expect(byDefault.records.map(\.timeline) == builtIn.records.map(\.timeline))
        #expect(byDefault.report.overall.goodTokens == builtIn.report.overall.goodTokens)
        // The comparison means something: another balance gives other timelines.
        let roundRobin = try replay(router: RoundRobinRouter())
        #expect(roundRobin.records.map(\.timeline) != builtIn.records.map(\.timeline))
    }

    @Test func shedCallsAreRecordedFailedAndTheirWorkflowsStillEnd() throws {
        let workload = busyWorkload()
        let result = try replay(workload, router: SheddingRouter())
        let shed = result.records.filter { $0.timeline.finishReason == .shed }
        let deadlineCount = workload.requests.filter { $0.request.kind == .deadline }.count
        #expect(shed.count == deadlineCount + 5)
        #expect(result.shedCount == shed.count)
        #expect(result.unfinishedCount == 0)
        #expect(result.records.count == workload.callCount)
        #expect(result.report.byKind["deadline"]?.unitsMet == 0)
        #expect(shed.allSatisfy { GoodputAccountant.goodTokenCount($0) == 0 })
        // Workflow 1 fails; the others are served.
        let served = result.records.filter { $0.request.slo.workflowID == WorkflowID(2) }
        #expect(served.count == 5 && served.allSatisfy { $0.timeline.finishReason == .stop })
    }

    @Test(arguments: RouterCatalog.names)
    func everyRouterServesTheWorkloadToTheEnd(router name: String) throws {
        let workload = busyWorkload()
        let router = try RouterCatalog.make(name, lengths: Guess())
        let result = try replay(workload, router: router)
        #expect(result.records.count == workload.callCount)
        #expect(result.unfinishedCount == 0)
        #expect(result.records.allSatisfy { [.stop, .shed].contains($0.timeline.finishReason) })
        #expect(result.report.overall.goodTokens > 0)
    }
}
