import JITServeCore
import JITServePrediction

/// `jitserve`: places each arrival where it adds the most goodput given each replica's
/// commitments (DESIGN §10), from the replicas' published load and its own record alone.
///
/// For each ready replica it asks two things of the request's own path there (prefill behind
/// the replica's queued prefill, then one token per iteration to its conservative length
/// bound, the bound from the estimator the schedulers are told): is it **on time** — first
/// token and pace within a stream's TTFT and TBT, the whole answer by a deadline request's
/// TTLT or a workflow call's stage sub-deadline (from the workflow pattern analyzer, fed with
/// the calls this router saw finish) — and what **utilisation** does the replica reach with it:
/// the token rate its held requests need to finish just in time (`required_token_rate`) plus
/// this one's, over what it can compute (`max_num_batched_tokens` per iteration), or the share
/// of its places (`max_num_seqs`) its held requests and this one take, or its KV use, whichever
/// is highest.
///
/// A workflow call is judged with the rest of its workflow: a replica **could** serve the call
/// only if, at its published pace, it could also run the workflow's remaining stages one after
/// another by the deadline — the rest as the workflow analyzer expects it from the calls seen so
/// far, and, once the application's recent finished workflows say how long a typical one's
/// critical path is, that too. A workflow no replica could finish is shed (429) before it spends
/// capacity that others could have turned into goodput. Then, best first:
/// 1. a workflow call stays on its workflow's replica when it is on time there and that
///    replica is not overcommitted (calls kept together share the scheduler's workflow view);
/// 2. otherwise the least utilised replica where it is on time and fits (a workflow moves
///    there: its replica cannot meet the sub-deadline);
/// 3. otherwise a workflow's own replica, else the least utilised one, that could still serve
///    it in time if it ran at once (no queue; its length at the 0.1-quantile, a workflow call's
///    at the median with the rest its workflow is expected to need) — its scheduler may still
///    make room, and an overcommitted replica's queue forecast does not know the order its
///    scheduler will pick;
/// 4. otherwise no replica can serve it in time: shed (429), and with it the rest of its
///    workflow, whose deadline is then lost anyway.
public struct GoodputRouter: Router {
    public let name: String
    /// Quantile of the conservative length bound (GMAX's).
    public var quantile = 0.95
    /// Quantile of a request's length used to decide that it cannot be served in time at all:
    /// a shed is final, so it must be late even if its answer is short. The length
    /// distribution is wide (a tool call given 8 s may answer in 8 tokens or in 400): judged at
    /// the median, 3 of 99 deadline requests were shed on one paper-mix replica that least-loaded
    /// routing met in under 2 s.
    public var shedQuantile = 0.1
    /// The same for a workflow call, judged with its workflow's typical remaining path, so at
    /// a typical length too (at 0.1 more hopeless workflows ran: worst cell ÷ least-loaded 0.931
    /// instead of 0.959 over the README's 20 cells).
    public var workflowShedQuantile = 0.5
    /// Judge workflow calls with the rest of their workflow (off: each call alone).
    public var admitsWorkflows = true
    public private(set) var ledger: RoutingLedger
    public private(set) var lengths: (any OutputLengthPredictor)?
    public private(set) var workflows: (any WorkflowPredictor)?
    var book = WorkflowBook()

    public init(
        name: String = "jitserve", lengths: (any OutputLengthPredictor)?, workflows: (any WorkflowPredictor)?,
        ledger: RoutingLedger = RoutingLedger()
    ) {
        self.name = name
        self.lengths = lengths
        self.workflows = workflows
        self.ledger = ledger
    }

    public mutating func prepare(_ request: inout RoutingRequest) {
        if request.length == nil, lengths != nil { request.length = lengths!.distribution(for: request.request) }
    }

    /// One replica's standing for the request.
    struct Fit {
        var index: Int
        var onTime: Bool
        var possible: Bool
        var utilisation: Double
    }

    /// What a workflow call's workflow still has to do after this call, as far as it is known.
    struct WorkflowRest {
        /// The workflow analyzer's estimate, from the calls this router saw finish: known from
        /// the first call on, so it also stops a workflow whose application never finishes one
        /// (under overload, 0 of 47 MetaGPT workflows on one paper-mix replica: the learnt size
        /// below never appeared, and each ran to the end late).
        var expected: WorkflowEstimate?
        /// The application's typical remaining size, once enough of its workflows finished.
        var learnt: WorkflowBook.Size?
    }

    public func decide(_ request: RoutingRequest, endpoints: [ReplicaSnapshot], now: Instant) -> RoutingDecision {
        let view = ledger.withAssumedLoad(endpoints)
        if let wf = request.workflowID, ledger.wasShed(wf) { return .shed(retryAfter: .seconds(1)) }
        let estimate = workflowEstimate(of: request)
        let target = RoutingTarget(request, now: now, stageDueAt: estimate?.currentStageDueAt)
        // A workflow call is judged with the rest of its workflow: as the analyzer expects it,
        // and as its application's finished workflows were once their size is learnt.
        var rest = WorkflowRest()
        if admitsWorkflows, case .compound(let slo) = request.slo {
            rest = WorkflowRest(expected: estimate, learnt: book.remaining(slo, application: request.application))
        }
        // The request's lengths are the same on every replica: read them once.
        let bound = request.outputBound(quantile: quantile)
        let typical = request.outputBound(quantile: request.workflowID == nil ? shedQuantile : workflowShedQuantile)
        var fits: [Fit] = []
        fits.reserveCapacity(view.count)
        for i in view.indices where view[i].isReady {
            fits.append(fit(request, bound: bound, typical: typical, target: target, on: view[i], index: i, workflowRest: rest))
        }
        guard !fits.isEmpty else { return .noneReady }
        let home = request.workflowID.flatMap { ledger.endpoint(of: $0) }
            .flatMap { name in fits.firstIndex { view[$0.index].endpoint == name } }
        let byUtilisation = fits.indices.sorted {
            (fits[$0].utilisation, fits[$0].index) < (fits[$1].utilisation, fits[$1].index)
        }
        func order(first: Int) -> RoutingDecision {
            let rest = byUtilisation.filter { $0 != first && fits[$0].possible }
            return .route(([first] + rest.prefix(RouterDefaults.candidateCount - 1)).map { fits[$0].index })
        }
        if let home, fits[home].onTime, fits[home].utilisation <= 1 { return order(first: home) }
        if let pick = byUtilisation.first(where: { fits[$0].onTime && fits[$0].utilisation <= 1 }) {
            return order(first: pick)
        }
        // Every replica where it would be on time is overcommitted: no on-time preference here.
        // An overcommitted replica's FCFS forecast says little (its scheduler reorders what it
        // holds), and preferring it piled arrivals onto the replicas that looked on time.
        if let home, fits[home].possible { return order(first: home) }
        if let pick = byUtilisation.first(where: { fits[$0].possible }) { return order(first: pick) }
        return .shed(retryAfter: .seconds(1))
    }

    /// How the request stands on one replica, at its conservative length `bound` and the
    /// `typical` length a shed is judged at; `workflowRest`: what its workflow still has to do.
    func fit(
        _ request: RoutingRequest, bound: Int, typical: Int, target: RoutingTarget, on replica: ReplicaSnapshot,
        index: Int, workflowRest: WorkflowRest
    ) -> Fit {
        let forecast = ReplicaForecast(replica)
        let p = request.promptTokenCount
        let tau = forecast.iterationSeconds
        var onTime: Bool, possible: Bool
        switch request.slo {
        case .latency(_, let tbt):
            let ttft = forecast.timeToFirstToken(promptTokens: p)
            onTime = ttft <= target.firstDueIn && tau <= tbt.seconds
            possible = forecast.prefillIterations(promptTokens: p, queued: false) * tau <= target.firstDueIn
        case .deadline, .compound:
            onTime = forecast.timeToLastToken(promptTokens: p, outputTokens: bound, queued: true) <= target.milestoneIn
            possible = forecast.timeToLastToken(promptTokens: p, outputTokens: typical, queued: false) <= target.finalDueIn
            if let expected = workflowRest.expected {
                // The analyzer's future: its stages one after another, each behind a prefill.
                let own = forecast.timeToLastToken(
                    promptTokens: p, outputTokens: typical + expected.remainingCriticalPathTokens, queued: false)
                possible = possible && own + Double(expected.remainingStageCount) * tau <= target.finalDueIn
            }
            if let learnt = workflowRest.learnt {
                // The application's typical whole workflow, its stages one after another at this replica's pace.
                let own = forecast.timeToLastToken(
                    promptTokens: max(p, learnt.promptTokens), outputTokens: max(typical, learnt.criticalOutputTokens),
                    queued: false)
                possible = possible && own <= target.finalDueIn
            }
        }
        let capacity = Double(forecast.batchTokens) / tau
        let held = replica.load?.requiredTokenRate ?? Double(replica.requestCount) / tau
        let utilisation = (held + target.requiredRate(promptTokens: p, outputTokens: bound)) / capacity
        // Places too: a replica decodes at most max_num_seqs requests an iteration, so one whose
        // held requests, with this one, outnumber its places is overcommitted whatever its token
        // budget says. Judged by tokens alone, a 32-place replica looked idle to the token rate,
        // kept every call of a workflow home and took the newcomers. Late requests count: they
        // hold their place until they finish.
        let placeUse = replica.load.map { Double(replica.requestCount + 1) / Double(max(1, $0.maxRunning)) } ?? 0
        return Fit(index: index, onTime: onTime, possible: possible,
                   utilisation: max(utilisation, placeUse, replica.kvCacheUsage))
    }

    /// The workflow analyzer's estimate for a workflow call: its stage's sub-deadline and the
    /// workflow's expected future (nil for other requests, or without an analyzer).
    func workflowEstimate(of request: RoutingRequest) -> WorkflowEstimate? {
        guard case .compound(let slo) = request.slo, let workflows else { return nil }
        return workflows.estimate(
            workflowID: slo.workflowID, application: request.application, slo: slo,
            completed: book.running[slo.workflowID]?.calls ?? [], arriving: request.request)
    }

    public mutating func didRoute(_ request: RoutingRequest, to endpoint: String, at now: Instant) {
        let bound = request.outputBound(quantile: quantile)
        // The pace `fit` added for it: until the next scrape, the replica's published
        // `required_token_rate` does not count it, and the next pick would see that replica
        // as idler than it is by as much.
        let rate = RoutingTarget(request, now: now, stageDueAt: workflowEstimate(of: request)?.currentStageDueAt)
            .requiredRate(promptTokens: request.promptTokenCount, outputTokens: bound)
        ledger.noteRouted(
            request, to: endpoint, workTokens: request.promptTokenCount + bound, requiredTokenRate: rate, at: now)
        guard case .compound(let slo) = request.slo else { return }
        // A call placed away from its workflow's replica (which could not meet the sub-deadline)
        // takes the workflow with it.
        if let home = ledger.endpoint(of: slo.workflowID), home != endpoint { ledger.moveWorkflow(slo.workflowID, to: endpoint) }
        book.noteRouted(request, slo: slo, at: now)
        // A real client may never say that a workflow ended: forget it as the ledger does.
        if let expiry = ledger.workflowExpiry { book.sweep(before: now - expiry) }
    }

    public mutating func didShed(_ request: RoutingRequest, at now: Instant) {
        ledger.noteShed(request)
        guard case .compound(let slo) = request.slo else { return }
        book.noteShed(slo, application: request.application)
    }

    public mutating func didFinish(_ request: RoutingRequest, at endpoint: String, outputTokenCount: Int?, now: Instant) {
        ledger.noteFinished(request, at: endpoint)
        if let outputTokenCount { lengths?.observe(request.request, outputTokenCount: outputTokenCount) }
        if case .compound(let slo) = request.slo {
            book.noteFinished(request, slo: slo, outputTokenCount: outputTokenCount, at: now)
            // What a running workflow shows teaches the analyzer as the engine's does.
            if outputTokenCount != nil {
                workflows?.observeCallFinished(
                    workflowID: slo.workflowID, application: request.application, calls: book.finishedCalls(of: slo.workflowID))
            }
        }
    }

    public mutating func didFinishWorkflow(_ workflow: WorkflowID) {
        ledger.forgetWorkflow(workflow)
        // A workflow that lost a call (shed, refused) shows a shape cut short: it teaches
        // nothing, as in the engine (`EngineCore.finishWorkflow`).
        guard let w = book.finish(workflow), w.isComplete, !w.calls.isEmpty else { return }
        workflows?.observeFinished(workflowID: workflow, application: w.application, slo: w.slo, calls: w.calls)
    }
}
