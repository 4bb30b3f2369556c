import JITServeCore
import JITServeSimulation

extension Workload {
    /// The same workload with every prompt and output length multiplied by `factor` (rounded,
    /// at least 1 token), so that a small model on a CPU gets the workload's shape at a size it
    /// can serve. Output caps scale with the lengths and never fall below them. Arrivals, SLOs
    /// and workflow shapes are unchanged.
    public func scalingLengths(by factor: Double) -> Workload {
        guard factor != 1 else { return self }
        func scaled(_ n: Int) -> Int { max(1, Int((Double(n) * factor).rounded())) }
        let requests = requests.map { traced -> TracedRequest in
            var request = traced.request
            let output = scaled(traced.outputTokenCount)
            request.promptTokenCount = scaled(request.promptTokenCount)
            request.maxOutputTokens = max(output, scaled(request.maxOutputTokens))
            return TracedRequest(request: request, outputTokenCount: output)
        }
        let workflows = workflows.map { traced -> TracedWorkflow in
            var traced = traced
            traced.spec.stages = traced.spec.stages.map { stage in
                WorkflowSpec.Stage(
                    calls: stage.calls.map { WorkflowSpec.Call(promptTokenCount: scaled($0.promptTokenCount), outputTokenCount: scaled($0.outputTokenCount)) },
                    delayBefore: stage.delayBefore)
            }
            return traced
        }
        return Workload(name: name, requests: requests, workflows: workflows, duration: duration)
    }
}
