import JITServeCore

/// A workload with every call given its request ID up front, so the replay is deterministic and
/// an oracle predictor can be told true lengths and shapes before calls arrive.
public struct WorkloadPlan: Sendable {
    /// A workflow with the IDs its calls will carry, stage by stage.
    public struct PlannedWorkflow: Sendable {
        public var traced: TracedWorkflow
        public var callIDs: [[RequestID]]
    }

    /// Workflow call IDs start here, above any trace request ID.
    public static let workflowCallIDBase: UInt64 = 1 << 40

    /// True output length of every call, independent or workflow. Only the simulated executor
    /// and oracle predictors may read it.
    public let outputTokenCount: [RequestID: Int]
    public let workflowCallCounts: [WorkflowID: Int]
    /// In workload order.
    public let workflows: [PlannedWorkflow]
    public let workflowIndex: [WorkflowID: Int]
    /// The workload's latency and deadline requests, by arrival.
    public let independentRequests: [TracedRequest]

    public init(_ workload: Workload) {
        var lengths: [RequestID: Int] = [:]
        lengths.reserveCapacity(workload.callCount)
        for traced in workload.requests { lengths[traced.request.id] = traced.outputTokenCount }
        var counts: [WorkflowID: Int] = [:]
        var planned: [PlannedWorkflow] = []
        var index: [WorkflowID: Int] = [:]
        var next = Self.workflowCallIDBase
        for traced in workload.workflows {
            var ids: [[RequestID]] = []
            for stage in traced.spec.stages {
                var stageIDs: [RequestID] = []
                for call in stage.calls {
                    let id = RequestID(next)
                    next += 1
                    lengths[id] = call.outputTokenCount
                    stageIDs.append(id)
                }
                ids.append(stageIDs)
            }
            counts[traced.spec.id] = traced.spec.callCount
            index[traced.spec.id] = planned.count
            planned.append(PlannedWorkflow(traced: traced, callIDs: ids))
        }
        outputTokenCount = lengths
        workflowCallCounts = counts
        workflows = planned
        workflowIndex = index
        independentRequests = workload.requests
    }
}
