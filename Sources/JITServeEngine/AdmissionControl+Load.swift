import JITServeCore

extension AdmissionControl {
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

        /// The load of the live `engine` now, as its loop last published it.
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
}

extension AdmissionControl.Load {
    /// The load of `engine` as it stands (the simulator asks at each arrival, between
    /// iterations): the same figures the live engine publishes after each iteration.
    public init(engine: EngineCore, departuresPerSecond: Double? = nil) {
        let stats = engine.stats
        self.init(
            queuedCount: stats.waitingCount, runningCount: stats.runningCount,
            iterationSeconds: engine.recentIterationSeconds,
            maxBatchedTokens: engine.configuration.maxBatchedTokens, maxRunning: engine.configuration.maxRunning,
            departuresPerSecond: departuresPerSecond, pendingPrefillTokens: engine.pendingPrefillTokenCount)
    }
}

extension EngineCore {
    /// Prompt (or recomputed context) tokens held and not yet prefilled: `load(now:)`'s
    /// `pendingPrefillTokens` without the SLO pass, for a check at every arrival.
    public var pendingPrefillTokenCount: Int {
        var total = 0
        for s in running { total += max(0, s.state.pendingTokenCount - 1) }
        for s in waiting { total += max(0, s.state.pendingTokenCount - 1) }
        return total
    }
}
