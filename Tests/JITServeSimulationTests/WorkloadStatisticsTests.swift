import JITServeCore
import JITServeSimulation
import Testing

@Suite struct WorkloadStatisticsTests {
    @Test func classesAddUpToTheWorkload() throws {
        let w = try WorkloadCatalog.make(name: "paper-mix", rps: 1, duration: .seconds(300), seed: 4)
        let s = WorkloadStatistics(w)
        #expect(s.arrivals == w.requests.count + w.workflows.count)
        #expect(s.calls == w.callCount)
        #expect(s.outputTokens == w.requests.reduce(0) { $0 + $1.outputTokenCount }
            + w.workflows.reduce(0) { $0 + $1.spec.outputTokenCount })
        #expect(Set(s.classes.map(\.name)) == ["latency", "deadline", "compound:tot", "compound:metagpt"])
        #expect(s.classes.filter { $0.name.hasPrefix("compound") }.allSatisfy { $0.feasibleWhenIdle != nil })
        #expect(s.table().contains("compound:metagpt"))
    }

    @Test func idleFeasibilityFollowsTheDeadline() {
        let spec = WorkflowSpec(id: WorkflowID(1), application: "x", stages: [
            .init(calls: [.init(promptTokenCount: 10_000, outputTokenCount: 100)]),
            .init(calls: [.init(promptTokenCount: 0, outputTokenCount: 40), .init(promptTokenCount: 0, outputTokenCount: 200)]),
        ])
        // 1 s of prefill + 100 × 25 ms, then the longer call's 200 × 25 ms: 8.5 s.
        #expect(abs(spec.idleCompletionEstimate().seconds - 8.5) < 1e-9)
        let tight = TracedWorkflow(spec: spec, arrivedAt: .zero, deadline: .seconds(8), tier: 1)
        let loose = TracedWorkflow(spec: spec, arrivedAt: .zero, deadline: .seconds(9), tier: 1)
        let s = WorkloadStatistics(Workload(name: "w", requests: [], workflows: [tight, loose], duration: .seconds(1)))
        #expect(s.classes.map(\.feasibleWhenIdle) == [1])
    }
}
