import JITServeCore
import JITServeEngine

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
public struct AdmissionControl: Sendable {
    public var maxWaitingRequests: Int

    public init(maxWaitingRequests: Int) { self.maxWaitingRequests = maxWaitingRequests }

    /// The engine's load as admission sees it.
    public struct Load: Sendable {
        /// Requests admitted and not running (waiting for KV or a batch slot).
        public var queuedCount: Int
        /// Requests holding a place in the engine's running set.
        public var runningCount: Int
        /// Running average of iteration time, seconds.
        public var iterationSeconds: Double
        /// Token budget per iteration: a prompt prefills in ⌈prompt / budget⌉ iterations at best.
        public var maxBatchedTokens: Int
        public var maxRunning: Int
        /// Requests leaving the engine per second, recently; nil when too few have left to say.
        public var departuresPerSecond: Double?
        /// Prompt tokens the engine holds and has not prefilled yet (queued prompts, and the
        /// unprefilled part of running ones).
        public var pendingPrefillTokens: Int

        public init(
            queuedCount: Int, runningCount: Int = 0, iterationSeconds: Double, maxBatchedTokens: Int, maxRunning: Int,
            departuresPerSecond: Double? = nil, pendingPrefillTokens: Int = 0
        ) {
            self.queuedCount = queuedCount
            self.runningCount = runningCount
            self.iterationSeconds = iterationSeconds
            self.maxBatchedTokens = maxBatchedTokens
            self.maxRunning = maxRunning
            self.departuresPerSecond = departuresPerSecond
            self.pendingPrefillTokens = pendingPrefillTokens
        }

        /// The load of `engine` now.
        public init(engine: LiveEngine, departuresPerSecond: Double? = nil) {
            let status = engine.status
            self.init(
                queuedCount: max(0, status.activeRequestCount - status.stats.runningCount),
                runningCount: status.stats.runningCount,
                iterationSeconds: status.recentIterationSeconds,
                maxBatchedTokens: engine.configuration.maxBatchedTokens, maxRunning: engine.configuration.maxRunning,
                departuresPerSecond: departuresPerSecond, pendingPrefillTokens: status.load.pendingPrefillTokens)
        }

        /// Whether requests wait for want of capacity: the running set is full, or more wait than
        /// one full batch. Only then is the departure rate the server's capacity; on a lightly
        /// loaded server it is the (low) arrival rate, and a momentary queue of two — a request
        /// with `n = 3` — would read as seconds of waiting.
        public var isSaturated: Bool { runningCount >= maxRunning || queuedCount >= maxRunning }

        /// Seconds a newcomer is predicted to wait for the requests queued ahead of it to start
        /// (0 with none queued): when saturated, Little's law if the departure rate is known;
        /// otherwise the iterations the pending prefill needs at best (nil when neither says).
        public var predictedQueueingSeconds: Double? {
            guard queuedCount > 0 else { return 0 }
            if isSaturated, let rate = departuresPerSecond, rate > 0 { return Double(queuedCount) / rate }
            // A burst onto an idle server queues hundreds of prompts before its running set is
            // full or the first requests leave; admitting on, it once filled the queue with
            // requests that waited minutes (measured: 522 admitted in the first 30 s of 60 req/s,
            // 299 of them late, p99 TTFT 56 s). No iteration computes more than
            // `maxBatchedTokens`, so the prompts ahead cannot all start sooner than this: a bound
            // that cannot read a quiet server as a full one, so it needs no saturation.
            guard pendingPrefillTokens > 0, maxBatchedTokens > 0, iterationSeconds > 0 else { return isSaturated ? nil : 0 }
            return (Double(pendingPrefillTokens) / Double(maxBatchedTokens)).rounded(.up) * iterationSeconds
        }
    }

    /// - Throws: `HTTPError.overloaded` or `.sloUnattainable` (both 429 with `Retry-After`).
    public func check(slo: SLO, promptTokenCount: Int, now: Instant, load: Load) throws(JITServeWire.HTTPError) {
        let iteration = max(load.iterationSeconds, 0)
        let queued = load.queuedCount
        let maxBatchedTokens = load.maxBatchedTokens
        if queued >= maxWaitingRequests {
            // Roughly the time for the queue to turn over once at the current pace.
            let drain = iteration * Double(queued) / Double(max(1, load.maxRunning))
            throw .overloaded(
                reason: "\(queued) requests are waiting (limit \(maxWaitingRequests))",
                retryAfterSeconds: min(60, max(1, Int(drain.rounded(.up)))))
        }
        let prefillIterations = (promptTokenCount + max(1, maxBatchedTokens) - 1) / max(1, maxBatchedTokens)
        let fastest = iteration * Double(max(1, prefillIterations))
        if let wait = load.predictedQueueingSeconds, wait > 0 {
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
    func checkQueueingDelay(_ wait: Double, prefill: Double, slo: SLO, now: Instant, queued: Int) throws(HTTPError) {
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
