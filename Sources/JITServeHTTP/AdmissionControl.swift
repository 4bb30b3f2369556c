import JITServeCore
import JITServeEngine

/// Decides whether to shed a request (429) before it takes a place in the queue: when too many
/// requests already wait, or when its SLO cannot be met even if it ran alone from now on.
public struct AdmissionControl: Sendable {
    public var maxWaitingRequests: Int

    public init(maxWaitingRequests: Int) { self.maxWaitingRequests = maxWaitingRequests }

    /// The engine's load as admission sees it.
    public struct Load: Sendable {
        /// Requests admitted and not running (waiting for KV or a batch slot).
        public var queuedCount: Int
        /// Running average of iteration time, seconds.
        public var iterationSeconds: Double
        /// Token budget per iteration: a prompt prefills in ⌈prompt / budget⌉ iterations at best.
        public var maxBatchedTokens: Int
        public var maxRunning: Int

        public init(queuedCount: Int, iterationSeconds: Double, maxBatchedTokens: Int, maxRunning: Int) {
            self.queuedCount = queuedCount
            self.iterationSeconds = iterationSeconds
            self.maxBatchedTokens = maxBatchedTokens
            self.maxRunning = maxRunning
        }

        /// The load of `engine` now.
        public init(engine: LiveEngine) {
            let status = engine.status
            self.init(
                queuedCount: max(0, status.activeRequestCount - status.stats.runningCount),
                iterationSeconds: status.recentIterationSeconds,
                maxBatchedTokens: engine.configuration.maxBatchedTokens, maxRunning: engine.configuration.maxRunning)
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

    static func ms(_ seconds: Double) -> String {
        let v = (seconds * 1e4).rounded() / 10
        return "\(v) ms"
    }
}
