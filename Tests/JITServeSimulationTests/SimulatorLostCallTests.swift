import JITServeCore
import JITServeEngine
import JITServeScheduling
import JITServeSimulation
import Synchronization
import Testing

/// A workflow one of whose calls the simulator sheds or the engine rejects still ends (its
/// stage is not left hanging), but only workflows that ran whole teach the analyzer: a shape
/// cut short would shrink every later workflow's estimate.
@Suite struct SimulatorLostCallTests {
    /// Remembers the workflows it was taught, with how many calls each.
    final class Recorder: WorkflowPredictor, @unchecked Sendable {
        let name = "recorder"
        let finished = Mutex<[WorkflowID: Int]>([:])

        func estimate(
            workflowID: WorkflowID, application: String?, slo: CompoundSLO, completed: [CallObservation], arriving: Request
        ) -> WorkflowEstimate {
            WorkflowEstimate(
                remainingStageCount: 1, remainingFutureOutputTokens: 10, currentStageDueAt: slo.workflowStartedAt + slo.deadline)
        }

        func observeFinished(workflowID: WorkflowID, application: String?, slo: CompoundSLO, calls: [CallObservation]) {
            finished.withLock { $0[workflowID] = calls.count }
        }
    }

    struct Guess: OutputLengthPredictor {
        let name = "guess"
        func distribution(for request: Request) -> LengthDistribution { .exactly(40) }
    }

    /// Three workflows of three stages; workflow 1's middle stage holds a call whose prompt no
    /// context holds, which the engine rejects.
    func workload() -> Workload {
        let call = WorkflowSpec.Call(promptTokenCount: 200, outputTokenCount: 20)
        let huge = WorkflowSpec.Call(promptTokenCount: 10_000_000, outputTokenCount: 20)
        let workflows = (0..<3).map { w in
            TracedWorkflow(
                spec: WorkflowSpec(id: WorkflowID(UInt64(w)), application: "agent", stages: [
                    .init(calls: [call]), .init(calls: w == 1 ? [call, huge] : [call, call]), .init(calls: [call]),
                ]),
                arrivedAt: Instant(seconds: Double(w)), deadline: .seconds(60), tier: 1)
        }
        return Workload(name: "lost", requests: [], workflows: workflows, duration: .seconds(5))
    }

    @Test(arguments: [1, 2])
    func onlyWholeWorkflowsTeachTheAnalyzer(replicas: Int) throws {
        let profile = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "a100")
        let recorders = Mutex<[Recorder]>([])
        let result = try Simulator(
            workload: workload(), makeExecutor: { SimulatedExecutor(profile: profile) },
            makeEngine: { executor, _ in
                let recorder = Recorder()
                recorders.withLock { $0.append(recorder) }
                return EngineCore(
                    executor: executor, scheduler: SarathiScheduler(), lengthPredictor: Guess(), workflowPredictor: recorder)
            },
            options: .init(replicaCount: replicas)
        ).run()
        #expect(result.records.filter { $0.timeline.finishReason == .rejected }.count == 1)
        // Workflow 1 went on past the rejected call: its last stage ran.
        #expect(result.records.filter { $0.timeline.finishReason == .stop }.count == 3 * 4 - 1)
        var taught: [WorkflowID: Int] = [:]
        for recorder in recorders.withLock({ $0 }) {
            taught.merge(recorder.finished.withLock { $0 }) { $0 + $1 }
        }
        #expect(Set(taught.keys) == [WorkflowID(0), WorkflowID(2)])
    }
}
