import JITServeCore

/// A request's SLO as times left from now: what a router checks each replica's forecast against.
struct RoutingTarget {
    /// Seconds until the first token is due (streams), or the milestone (others).
    var firstDueIn: Double
    /// Seconds until the request's milestone: a stream's first token, a deadline request's
    /// deadline, a workflow call's stage sub-deadline.
    var milestoneIn: Double
    /// Seconds until its final deadline (a workflow's own deadline for its calls).
    var finalDueIn: Double
    /// Seconds between a stream's tokens (0 for others).
    var pace: Double

    init(_ request: RoutingRequest, now: Instant, stageDueAt: Instant?) {
        let t = now.seconds
        switch request.slo {
        case .latency(let ttft, let tbt):
            firstDueIn = request.arrivedAt.seconds + ttft.seconds - t
            milestoneIn = firstDueIn
            finalDueIn = firstDueIn
            pace = tbt.seconds
        case .deadline(let ttlt):
            finalDueIn = request.arrivedAt.seconds + ttlt.seconds - t
            milestoneIn = finalDueIn
            firstDueIn = finalDueIn
            pace = 0
        case .compound(let slo):
            finalDueIn = slo.dueAt.seconds - t
            milestoneIn = min(finalDueIn, (stageDueAt?.seconds ?? slo.dueAt.seconds) - t)
            firstDueIn = milestoneIn
            pace = 0
        }
    }

    /// Tokens per second the request needs to be served just in time (the replica's
    /// `required_token_rate` counts its held requests the same way).
    func requiredRate(promptTokens: Int, outputTokens: Int) -> Double {
        if pace > 0 { return Double(promptTokens) / max(firstDueIn, 1e-3) + 1 / pace }
        return Double(promptTokens + outputTokens) / max(milestoneIn, 1e-3)
    }
}
