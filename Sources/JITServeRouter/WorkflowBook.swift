import JITServeCore

/// What the jitserve router knows of workflows from the calls it routed: each running one's
/// calls (for the pattern analyzer and its progress), and, per application, how long the
/// critical path of a finished workflow was — in output tokens, which a replica produces one
/// per iteration however many run beside them, and in prompt tokens, which share its token
/// budget.
///
/// A workflow's tokens count only if every call finishes by its deadline, and its stages run
/// one after another: on a replica whose iterations take τ seconds it needs at least its
/// critical path's output tokens × τ. Admitted where that exceeds its deadline, it spends
/// capacity (often a great deal, in prefill) and earns nothing. Sizes are learnt online from
/// the application's finished workflows, the way the schedulers' length estimates are.
struct WorkflowBook: Sendable {
    struct Running: Sendable {
        var application: String?
        var slo: CompoundSLO
        var calls: [CallObservation] = []
        var started: [RequestID: Instant] = [:]
        /// False once a call was shed or failed: its size then says nothing of the application's.
        var isComplete = true
    }

    /// The learnt size of an application's workflows.
    struct Size: Sendable {
        /// Output tokens along the critical path: the longest call of each stage, summed.
        var criticalOutputTokens: Int
        /// Prompt tokens of all calls.
        var promptTokens: Int
    }

    /// Finished workflows remembered per application.
    let window: Int
    /// Finished workflows of an application before its size is used.
    let minimumFinished: Int
    private(set) var running: [WorkflowID: Running] = [:]
    private var sizes: [String: [Size]] = [:]
    /// Running workflows at the last sweep: the next waits until there are twice as many.
    private var sweepAt = 64

    init(window: Int = 32, minimumFinished: Int = 3) {
        self.window = window
        self.minimumFinished = minimumFinished
    }

    /// The median size of the application's recent finished workflows (nil until enough).
    func typicalSize(application: String?) -> Size? {
        guard let recent = sizes[application ?? ""], recent.count >= minimumFinished else { return nil }
        let critical = recent.map(\.criticalOutputTokens).sorted(), prompt = recent.map(\.promptTokens).sorted()
        return Size(criticalOutputTokens: critical[critical.count / 2], promptTokens: prompt[prompt.count / 2])
    }

    /// What a typical workflow of its application still has to do, beyond the stages that
    /// finished, the current stage included (nil while the size is not learnt).
    func remaining(_ slo: CompoundSLO, application: String?) -> Size? {
        guard let size = typicalSize(application: application) else { return nil }
        let done = running[slo.workflowID].map(Self.size(of:)) ?? Size(criticalOutputTokens: 0, promptTokens: 0)
        return Size(criticalOutputTokens: max(0, size.criticalOutputTokens - done.criticalOutputTokens),
                    promptTokens: max(0, size.promptTokens - done.promptTokens))
    }

    mutating func noteRouted(_ request: RoutingRequest, slo: CompoundSLO, at now: Instant) {
        var w = running[slo.workflowID] ?? Running(application: request.application, slo: slo)
        w.started[request.id] = now
        running[slo.workflowID] = w
    }

    mutating func noteFinished(_ request: RoutingRequest, slo: CompoundSLO, outputTokenCount: Int?, at now: Instant) {
        guard var w = running[slo.workflowID], let started = w.started.removeValue(forKey: request.id) else { return }
        if let outputTokenCount {
            w.calls.append(CallObservation(
                stage: slo.stage, promptTokenCount: request.promptTokenCount, outputTokenCount: outputTokenCount,
                startedAt: started, finishedAt: now))
        } else {
            w.isComplete = false
        }
        running[slo.workflowID] = w
    }

    /// The calls of a running workflow finished so far, in the order they finished.
    func finishedCalls(of wf: WorkflowID) -> [CallObservation] { running[wf]?.calls ?? [] }

    /// Notes that one of the workflow's calls was shed.
    mutating func noteShed(_ slo: CompoundSLO, application: String?) {
        var w = running[slo.workflowID] ?? Running(application: application, slo: slo)
        w.isComplete = false
        running[slo.workflowID] = w
    }

    /// Ends a workflow, learning its size if every call finished; returns what it was, so its
    /// calls can teach the analyzer.
    mutating func finish(_ wf: WorkflowID) -> Running? {
        guard let w = running.removeValue(forKey: wf) else { return nil }
        if w.isComplete && w.started.isEmpty && !w.calls.isEmpty {
            var recent = sizes[w.application ?? "", default: []]
            recent.append(Self.size(of: w))
            if recent.count > window { recent.removeFirst(recent.count - window) }
            sizes[w.application ?? ""] = recent
        }
        return w
    }

    /// Drops workflows whose deadline passed before `cutoff` (a real client may never say that
    /// one ended); sweeps only when the record doubled since the last sweep, so the cost per
    /// call stays constant.
    mutating func sweep(before cutoff: Instant) {
        guard running.count >= sweepAt else { return }
        running = running.filter { $0.value.slo.dueAt >= cutoff }
        sweepAt = max(64, 2 * running.count)
    }

    /// The critical path and prompt tokens of what a workflow has finished.
    private static func size(of w: Running) -> Size {
        var longest: [Int: Int] = [:]
        var prompt = 0
        for call in w.calls {
            longest[call.stage] = max(longest[call.stage] ?? 0, call.outputTokenCount)
            prompt += call.promptTokenCount
        }
        return Size(criticalOutputTokens: longest.values.reduce(0, +), promptTokens: prompt)
    }
}
