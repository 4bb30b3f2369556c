import JITServeCore

extension AdmissionControl {
    /// Whether a request that has not started (no token of it computed) can no longer earn any
    /// goodput at `now`: a call whose deadline has passed, or a stream for which even its
    /// token at its length bound (`lateSheddingQuantile`) is already overdue (token k is due `ttft + k · tbt` after arrival,
    /// so a stream that starts late still earns its later tokens if it then runs faster than
    /// its TBT; only one that cannot catch up within its likely length is hopeless).
    ///
    /// Predictive admission lets a request in on a predicted wait that reads the queue as first
    /// come, first served; a policy that puts cheaper newcomers first can leave it waiting far
    /// longer (measured: at ten times capacity, 40 of 2,511 admitted streams waited 30–260 s, most
    /// with 4k-token prompts). Once nothing it could produce counts, the client is better told at
    /// once — a 429, as at arrival — than answered minutes late. Shedding every stream past its
    /// TTFT instead cost 12 % of the admitted goodput in that run (README, Hardening). Workflow
    /// calls are left alone: the workflow's own bookkeeping decides when it is lost.
    public static func hasMissedStart(_ request: Request, length: LengthDistribution, now: Instant) -> Bool {
        let waited = now.seconds - request.arrivedAt.seconds
        switch request.slo {
        case .latency(let ttft, let tbt):
            // The bound is read only once the first token is already overdue (rarely).
            guard waited > ttft.seconds else { return false }
            let bound = length.upperBound(quantile: lateSheddingQuantile)
            return waited > ttft.seconds + Double(max(0, bound - 1)) * tbt.seconds
        case .deadline(let ttlt): return waited > ttlt.seconds
        case .compound: return false
        }
    }

    /// The length bound a waiting stream is judged at: shed only when even this many tokens
    /// could not catch up with its schedule, so a stream longer than the bound is the rare loss.
    public static let lateSheddingQuantile = 0.95

    /// The refusal a request shed by `hasMissedStart` ends with (the server sends a 429, or an
    /// error frame in a stream whose 200 went out): it waited that long, so a retry may find the
    /// queue shorter after about as long.
    public static func lateShedError(_ record: RequestRecord) -> EngineError {
        let waited = (record.timeline.finishedAt ?? record.request.arrivedAt).seconds - record.request.arrivedAt.seconds
        let milestone: String
        switch record.request.slo {
        case .latency(let ttft, let tbt):
            milestone = "token schedule (TTFT \(ms(ttft.seconds)), then one token per \(ms(tbt.seconds)))"
        case .deadline(let ttlt): milestone = "deadline of \(ms(ttlt.seconds))"
        case .compound(let c): milestone = "workflow \(c.workflowID)'s deadline"
        }
        return .sloUnattainable(
            reason: "shed before its first token: after \(ms(waited)) in the queue it could no longer meet its \(milestone)",
            retryAfterSeconds: min(60, max(1, Int(waited.rounded(.up)))))
    }
}
