import JITServeCore

/// Decides whether to shed a request (429) before it takes a place in the queue: when too many
/// requests already wait, when its SLO cannot be met even if it ran alone from now on, or when
/// the queue ahead of it is predicted to outlast its SLO.
///
/// The prediction is Little's law on the engine's queue: requests waiting ÷ requests leaving
/// per second (over the last seconds). Until enough requests have left to give that rate — the
/// first seconds of a burst onto an idle server — it is the prefill work queued ahead instead,
/// a lower bound on the wait. Without a prediction a server at ten times its capacity fills the
/// whole waiting queue with requests that then wait minutes — admitted, and late (measured:
/// admitted goodput half of what the server gives at capacity, p99 TTFT 290 s); with it the queue
/// stays about as long as the SLOs allow and the excess is told at once to come back later.
///
/// One rule for both worlds (DESIGN §2): the server asks it before a request enters its live
/// engine (a refusal becomes 429 with `Retry-After`), the simulator at each simulated arrival,
/// per replica, from that engine's load at that instant. It lives in the engine's configuration
/// (`EngineConfiguration.admission`), so whatever builds the engine wires it alike everywhere.
public struct AdmissionControl: Hashable, Sendable {
    /// Requests waiting beyond which a newcomer is refused (`--max-waiting`).
    public var maxWaitingRequests: Int
    /// Also shed on the predicted queueing delay (`--admission predictive`). Off by default: the
    /// prediction reads the queue as first-come-first-served, and a policy that serves just in
    /// time keeps requests waiting on purpose (streams ahead of their pace, calls far from their
    /// deadline) and lets an urgent newcomer start at once. With it, `bench --max-running 32`
    /// gave jitserve 716.5 / 1670.4 / 161.6 tok/s at 1 / 2 / 4 req/s against 1041.3 / 1458.5 /
    /// 793.3 without, shedding 6,302 calls at 1 req/s, where the server is not saturated;
    /// `bench matrix --quick`'s worst cell fell from 0.91× to 0.76× the best baseline. What it buys
    /// is a server at ten times its capacity that keeps admitted goodput at capacity (README,
    /// Hardening): the mode for a server that expects to be overrun. In this mode the engine also
    /// sheds a request it let in that is still waiting, unstarted, once nothing it could produce
    /// would count (`hasMissedStart`, `EngineCore.shedMissedStarts`).
    public var predictsQueueingDelay: Bool

    /// No cap unless told (`--max-waiting N`): a cap reads a just-in-time policy's queue, which
    /// holds requests on purpose, as overload. At 1,024 it cut jitserve to 782.9 tok/s against
    /// SJF's 1179.5 on the paper mix at 32 slots and 1 req/s (`bench --max-running 32`, 300 s),
    /// where without it jitserve gives about 1,040.
    public static let defaultMaxWaitingRequests = Int.max

    public init(maxWaitingRequests: Int, predictsQueueingDelay: Bool = false) {
        self.maxWaitingRequests = maxWaitingRequests
        self.predictsQueueingDelay = predictsQueueingDelay
    }

    /// Whether a request with `slo` and a prompt of `promptTokenCount` tokens, arriving at `now`
    /// onto an engine under `load`, may be queued.
    ///
    /// - Throws: `EngineError.overloaded` or `.sloUnattainable`, each with the seconds after
    ///   which a retry may fare better (the server sends them as 429 with `Retry-After`).
    public func check(slo: SLO, promptTokenCount: Int, now: Instant, load: Load) throws(EngineError) {
        let iteration = max(load.iterationSeconds, 0)
        let queued = load.queuedCount
        let maxBatchedTokens = load.maxBatchedTokens
        if queued >= maxWaitingRequests {
            // Roughly the time for the queue to turn over once at the current pace.
            let drain = iteration * Double(queued) / Double(max(1, load.maxRunning))
            throw .overloaded(
                waitingCount: queued, limit: maxWaitingRequests, retryAfterSeconds: min(60, max(1, Int(drain.rounded(.up)))))
        }
        let prefillIterations = (promptTokenCount + max(1, maxBatchedTokens) - 1) / max(1, maxBatchedTokens)
        let fastest = iteration * Double(max(1, prefillIterations))
        if predictsQueueingDelay, let wait = load.predictedQueueingSeconds, wait > 0 {
            try checkQueueingDelay(wait, prefill: fastest, slo: slo, now: now, queued: load.queuedCount)
        }
        switch slo {
        case .latency(let ttft, _):
            if ttft.seconds < fastest {
                throw .sloUnattainable(
                    reason: "a TTFT of \(Self.ms(ttft.seconds)) is below the \(Self.ms(fastest)) the prompt's prefill takes at the current iteration time",
                    retryAfterSeconds: 1)
            }
        case .deadline(let ttlt):
            if ttlt.seconds < fastest {
                throw .sloUnattainable(
                    reason: "a deadline of \(Self.ms(ttlt.seconds)) is below the \(Self.ms(fastest)) the prompt's prefill takes at the current iteration time",
                    retryAfterSeconds: 1)
            }
        case .compound(let c):
            let left = c.dueAt.seconds - now.seconds
            if left < fastest {
                throw .sloUnattainable(
                    reason: left <= 0
                        ? "workflow \(c.workflowID)'s deadline passed \(Self.ms(-left)) ago"
                        : "workflow \(c.workflowID) has \(Self.ms(left)) left, below the \(Self.ms(fastest)) the prompt's prefill takes",
                    retryAfterSeconds: 1)
            }
        }
    }

    /// Sheds when the predicted wait plus the fastest prefill is past the first milestone the SLO
    /// sets: the TTFT, the deadline, or what is left of the workflow's.
    func checkQueueingDelay(_ wait: Double, prefill: Double, slo: SLO, now: Instant, queued: Int) throws(EngineError) {
        let budget: Double
        let what: String
        switch slo {
        case .latency(let ttft, _): (budget, what) = (ttft.seconds, "TTFT")
        case .deadline(let ttlt): (budget, what) = (ttlt.seconds, "deadline")
        case .compound(let c): (budget, what) = (c.dueAt.seconds - now.seconds, "workflow's remaining time")
        }
        guard wait + prefill > budget else { return }
        throw .sloUnattainable(
            reason: "\(queued) requests are waiting, a predicted \(Self.ms(wait)) before this one could start, "
                + "past its \(what) of \(Self.ms(budget))",
            retryAfterSeconds: min(60, max(1, Int(wait.rounded(.up)))))
    }

    static func ms(_ seconds: Double) -> String {
        let v = (seconds * 1e4).rounded() / 10
        return "\(v) ms"
    }
}
