import JITServeCore
import JITServeEngine

/// One unit of SLO attainment: a latency or deadline request, or a whole workflow.
public enum WorkloadUnit: Hashable, Sendable {
    case request(RequestID)
    case workflow(WorkflowID)
}

/// Which units of a workload can meet their SLO at all: each replayed alone on an idle replica.
///
/// Attainment counted over these alone says how much of what *could* be served was served;
/// plain attainment also counts units no amount of capacity rescues (a MetaGPT workflow whose
/// deadline is shorter than its own critical path), so it may never reach a target.
public struct IdleFeasibility: Sendable {
    /// The units that met their SLO alone.
    public let feasible: Set<WorkloadUnit>
    /// Every unit of the workload.
    public let unitCount: Int

    /// Replays every unit of `workload` alone through an engine made by `makeEngine` (use a
    /// plain policy: alone, the policy hardly matters) on an executor of its own.
    public init(
        workload: Workload, makeExecutor: () -> any TraceReplayExecutor,
        makeEngine: (_ executor: any TraceReplayExecutor, _ plan: WorkloadPlan) throws -> EngineCore
    ) throws {
        var feasible: Set<WorkloadUnit> = []
        for traced in workload.requests {
            let alone = Workload(name: workload.name, requests: [traced], workflows: [], duration: workload.duration)
            if try Self.metAlone(alone, makeExecutor: makeExecutor, makeEngine: makeEngine) {
                feasible.insert(.request(traced.request.id))
            }
        }
        for traced in workload.workflows {
            let alone = Workload(name: workload.name, requests: [], workflows: [traced], duration: workload.duration)
            if try Self.metAlone(alone, makeExecutor: makeExecutor, makeEngine: makeEngine) {
                feasible.insert(.workflow(traced.spec.id))
            }
        }
        self.feasible = feasible
        unitCount = workload.requests.count + workload.workflows.count
    }

    private static func metAlone(
        _ workload: Workload, makeExecutor: () -> any TraceReplayExecutor,
        makeEngine: (_ executor: any TraceReplayExecutor, _ plan: WorkloadPlan) throws -> EngineCore
    ) throws -> Bool {
        let result = try Simulator(workload: workload, makeExecutor: makeExecutor, makeEngine: makeEngine).run()
        return result.report.overall.unitsMet == 1
    }

    /// Share of the feasible units that met their SLO in `result` (1 when none is feasible).
    public func attainment(of result: SimulationResult, workflowCallCounts: [WorkflowID: Int]) -> Double {
        guard !feasible.isEmpty else { return 1 }
        let workflowMet = GoodputAccountant.workflowVerdicts(records: result.records, workflowCallCounts: workflowCallCounts)
        var met = 0
        for record in result.records where record.request.slo.workflowID == nil {
            if feasible.contains(.request(record.request.id)), GoodputAccountant.metInFull(record) { met += 1 }
        }
        for (wf, ok) in workflowMet where ok && feasible.contains(.workflow(wf)) { met += 1 }
        return Double(met) / Double(feasible.count)
    }
}
