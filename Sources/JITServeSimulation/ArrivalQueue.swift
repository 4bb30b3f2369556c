import JITServeCore

/// Requests in arrival order: the trace's independent requests, merged with workflow calls that
/// are released stage by stage as earlier stages finish.
struct ArrivalQueue {
    private let plan: WorkloadPlan
    private let independent: [TracedRequest]
    private var nextIndependent = 0
    /// Released workflow calls, a binary min-heap on (arrival, id).
    private var released: [Request] = []
    private var stageOf: [WorkflowID: Int] = [:]
    private var callsLeftInStage: [WorkflowID: Int] = [:]

    init(plan: WorkloadPlan) {
        self.plan = plan
        independent = plan.independentRequests
        for planned in plan.workflows {
            let start = planned.traced.arrivedAt
            releaseStage(0, of: planned, at: start.seconds)
        }
    }

    func peekTime() -> Double? {
        let a = nextIndependent < independent.count ? independent[nextIndependent].request.arrivedAt.seconds : nil
        let b = released.first?.arrivedAt.seconds
        switch (a, b) {
        case (nil, nil): return nil
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (let a?, let b?): return min(a, b)
        }
    }

    mutating func pop() -> Request {
        let a = nextIndependent < independent.count ? independent[nextIndependent].request : nil
        if let a, released.isEmpty || !Self.before(released[0], a) {
            nextIndependent += 1
            return a
        }
        return popReleased()
    }

    /// Notes that one call of `workflow` finished at `time`; releases the next stage when the
    /// current one is done. Returns the workflow when its last stage has just finished.
    mutating func callFinished(_ workflow: WorkflowID, at time: Double) -> WorkflowID? {
        guard let left = callsLeftInStage[workflow], let index = plan.workflowIndex[workflow] else { return nil }
        if left > 1 {
            callsLeftInStage[workflow] = left - 1
            return nil
        }
        let planned = plan.workflows[index]
        let nextStage = (stageOf[workflow] ?? 0) + 1
        if nextStage < planned.callIDs.count {
            releaseStage(nextStage, of: planned, at: time)
            return nil
        }
        callsLeftInStage[workflow] = nil
        stageOf[workflow] = nil
        return workflow
    }

    /// Calls of stages that were never released.
    var unreleasedCallCount: Int {
        var count = 0
        for (wf, stage) in stageOf {
            guard let index = plan.workflowIndex[wf] else { continue }
            for later in plan.workflows[index].callIDs.dropFirst(stage + 1) { count += later.count }
        }
        return count
    }

    private mutating func releaseStage(_ stage: Int, of planned: WorkloadPlan.PlannedWorkflow, at time: Double) {
        let spec = planned.traced.spec
        let maxTokens = planned.traced.maxOutputTokens ?? PaperMix.maxOutputTokensFloor
        let at = Instant(seconds: time) + spec.stages[stage].delayBefore
        stageOf[spec.id] = stage
        callsLeftInStage[spec.id] = planned.callIDs[stage].count
        for (c, call) in spec.stages[stage].calls.enumerated() {
            let slo = CompoundSLO(
                workflowID: spec.id, stage: stage, workflowStartedAt: planned.traced.arrivedAt,
                deadline: planned.traced.deadline)
            push(Request(
                id: planned.callIDs[stage][c], arrivedAt: at, promptTokenCount: call.promptTokenCount,
                maxOutputTokens: max(call.outputTokenCount, maxTokens), slo: .compound(slo),
                application: spec.application))
        }
    }

    private static func before(_ a: Request, _ b: Request) -> Bool {
        a.arrivedAt != b.arrivedAt ? a.arrivedAt < b.arrivedAt : a.id < b.id
    }

    private mutating func push(_ r: Request) {
        released.append(r)
        var i = released.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.before(released[i], released[parent]) else { break }
            released.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func popReleased() -> Request {
        let top = released[0]
        let last = released.removeLast()
        if !released.isEmpty {
            released[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < released.count, Self.before(released[l], released[m]) { m = l }
                if r < released.count, Self.before(released[r], released[m]) { m = r }
                if m == i { break }
                released.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
