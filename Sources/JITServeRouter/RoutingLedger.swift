import JITServeCore

/// A picker's own record of what it sent where (GAIE's "assumed load"): requests routed to an
/// endpoint after its last scrape are not in its gauges yet, so the picker adds them itself
/// until a scrape can show them; and each workflow's replica, so its calls stay together.
///
/// Plain data, kept by a router and read by its pure `decide`.
public struct RoutingLedger: Sendable {
    /// One request routed and not yet finished.
    struct Pick: Sendable {
        var id: RequestID
        var at: Instant
        var promptTokenCount: Int
        /// Prompt plus output to its bound: what it adds to `committedTokens`.
        var workTokens: Int
        /// Tokens per second it needs to be served just in time, as the router judged it when
        /// picking: what it adds to `requiredTokenRate` until a scrape shows the replica's own
        /// figure for it.
        var requiredTokenRate: Double
    }

    /// Picks older than this are assumed visible in any snapshot the router is still using.
    public var horizon: Duration
    /// A workflow not heard of for this long past its deadline is forgotten (its client has
    /// given up, or sent its last call without saying so); nil: only `forgetWorkflow` ends it,
    /// as in the simulator, which knows when each workflow ends.
    public var workflowExpiry: Duration?
    private var picks: [String: [Pick]] = [:]
    /// Each workflow's endpoint, and when it expires (deadline or last call, plus the expiry).
    private var workflows: [WorkflowID: (endpoint: String, expiresAt: Instant)] = [:]
    private var shedWorkflows: [WorkflowID: Instant] = [:]
    /// Workflow entries at the last sweep: the next sweep waits until there are twice as many.
    private var sweepAt = 64

    public init(horizon: Duration = .seconds(10), workflowExpiry: Duration? = .seconds(600)) {
        self.horizon = horizon
        self.workflowExpiry = workflowExpiry
    }

    /// Notes that `request` was sent to `endpoint` at `now`, adding `workTokens` of assumed work
    /// and `requiredTokenRate` of assumed pace (routers that do not weigh it pass zero).
    public mutating func noteRouted(
        _ request: RoutingRequest, to endpoint: String, workTokens: Int, requiredTokenRate: Double = 0, at now: Instant
    ) {
        var list = picks[endpoint] ?? []
        let cutoff = now - horizon
        if let stale = list.firstIndex(where: { $0.at >= cutoff }), stale > 0 {
            list.removeFirst(stale)
        } else if let last = list.last, last.at < cutoff {
            list.removeAll(keepingCapacity: true)
        }
        list.append(Pick(
            id: request.id, at: now, promptTokenCount: request.promptTokenCount, workTokens: workTokens,
            requiredTokenRate: requiredTokenRate))
        picks[endpoint] = list
        if case .compound(let slo) = request.slo {
            let expiresAt = workflowExpiry.map { max(slo.dueAt, now) + $0 } ?? Instant(seconds: .infinity)
            let kept = workflows[slo.workflowID]?.endpoint ?? endpoint
            workflows[slo.workflowID] = (kept, expiresAt)
            if workflows.count >= sweepAt { sweep(now: now) }
        }
    }

    /// Notes that `request`'s response ended at `endpoint`.
    public mutating func noteFinished(_ request: RoutingRequest, at endpoint: String) {
        guard var list = picks[endpoint], let i = list.lastIndex(where: { $0.id == request.id }) else { return }
        list.remove(at: i)
        picks[endpoint] = list
    }

    /// Notes that `request` was shed: the rest of its workflow cannot succeed either.
    public mutating func noteShed(_ request: RoutingRequest) {
        if case .compound(let slo) = request.slo { shedWorkflows[slo.workflowID] = slo.dueAt }
    }

    /// Moves `workflow` to `endpoint` (its calls from now on go there).
    public mutating func moveWorkflow(_ workflow: WorkflowID, to endpoint: String) {
        if let entry = workflows[workflow] { workflows[workflow] = (endpoint, entry.expiresAt) }
    }

    public mutating func forgetWorkflow(_ workflow: WorkflowID) {
        workflows[workflow] = nil
        shedWorkflows[workflow] = nil
    }

    /// The endpoint `workflow`'s calls went to, if any.
    public func endpoint(of workflow: WorkflowID) -> String? { workflows[workflow]?.endpoint }

    /// True when a call of `workflow` was shed.
    public func wasShed(_ workflow: WorkflowID) -> Bool { shedWorkflows[workflow] != nil }

    /// Requests routed to `endpoint` after `scrapedAt` and not finished: load its gauges miss.
    public func assumed(
        at endpoint: String, since scrapedAt: Instant
    ) -> (count: Int, promptTokens: Int, workTokens: Int, requiredTokenRate: Double) {
        guard let list = picks[endpoint] else { return (0, 0, 0, 0) }
        var count = 0, prompt = 0, work = 0, rate = 0.0
        for pick in list.reversed() {
            guard pick.at > scrapedAt else { break }
            count += 1
            prompt += pick.promptTokenCount
            work += pick.workTokens
            rate += pick.requiredTokenRate
        }
        return (count, prompt, work, rate)
    }

    /// `endpoints` with the assumed load added: unscraped picks count as waiting requests with
    /// their prompt pending, their work committed and their pace required.
    public func withAssumedLoad(_ endpoints: [ReplicaSnapshot]) -> [ReplicaSnapshot] {
        guard !picks.isEmpty else { return endpoints }
        var adjusted = endpoints
        for i in adjusted.indices {
            let extra = assumed(at: adjusted[i].endpoint, since: adjusted[i].scrapedAt)
            guard extra.count > 0 else { continue }
            adjusted[i].waitingCount += extra.count
            adjusted[i].load?.committedTokens += extra.workTokens
            adjusted[i].load?.pendingPrefillTokens += extra.promptTokens
            adjusted[i].load?.requiredTokenRate += extra.requiredTokenRate
        }
        return adjusted
    }

    /// Drops expired workflows, and shed ones past their deadline.
    private mutating func sweep(now: Instant) {
        workflows = workflows.filter { $0.value.expiresAt >= now }
        shedWorkflows = shedWorkflows.filter { $0.value >= now }
        sweepAt = max(64, 2 * workflows.count)
    }
}
