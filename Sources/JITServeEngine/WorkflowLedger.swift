import JITServeCore

/// What the engine keeps about one live workflow between its calls: what the analyzer is told
/// when the workflow ends, and what decides when that is.
///
/// A server cannot know how many calls a workflow will make. It ends a workflow when the client
/// has marked a call as the last (`SubmissionOptions.endsWorkflow`) and no call of it is held
/// any more, or when the workflow has gone idle past its deadline (`EngineCore.expireIdleWorkflows`).
/// The simulation driver, which knows every workflow's shape, ends them itself (`finishWorkflow`).
struct WorkflowLedger {
    var application: String?
    var slo: CompoundSLO
    /// Finished (or cancelled) calls, in the order they left the engine.
    var calls: [CallObservation] = []
    /// Calls added and not yet retired.
    var heldCallCount = 0
    /// The latest arrival or retirement of one of its calls.
    var lastActivityAt: Instant
    /// A call marked as the workflow's last has arrived.
    var isFinalCallSeen = false
    /// One of its calls was refused: what the engine saw is not the workflow's whole shape.
    var hasLostCall = false

    init(application: String?, slo: CompoundSLO, at now: Instant) {
        self.application = application
        self.slo = slo
        lastActivityAt = now
    }

    /// Whether the workflow may be forgotten at `now`: nothing of it is held, and both its
    /// deadline and its last activity lie more than `idleTimeout` in the past. An agent between
    /// two stages of a workflow still within its deadline is never cut off.
    func hasExpired(at now: Instant, idleTimeout: Duration) -> Bool {
        heldCallCount == 0 && now >= max(slo.dueAt, lastActivityAt) + idleTimeout
    }
}
