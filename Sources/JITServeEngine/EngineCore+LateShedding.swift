import JITServeCore

extension EngineCore {
    /// With predictive admission, sheds every waiting request that never started and can no
    /// longer earn goodput (`AdmissionControl.hasMissedStart`, a stream judged at its length
    /// bound at `lateSheddingQuantile`), and returns their records (finish reason `.shed`).
    /// Without it, nothing: a server that takes every request (vLLM's way, the default) answers
    /// each one, however late.
    func shedMissedStarts(now: Instant) -> [RequestRecord] {
        guard configuration.admission?.predictsQueueingDelay == true else { return [] }
        let missed = waiting.filter { s in
            guard s.timeline.firstScheduledAt == nil, AdmissionControl.hasMissedStart(s.request, lengthBound: 1, now: now)
            else { return false }
            // Past its first milestone: a stream may still catch up within its likely length.
            let bound = s.state.length.upperBound(quantile: Self.lateSheddingQuantile)
            return AdmissionControl.hasMissedStart(s.request, lengthBound: bound, now: now)
        }
        guard !missed.isEmpty else { return [] }
        removeFromWaiting(missed)
        return missed.map { retire($0, reason: .shed, at: now) }
    }

    /// The length bound a waiting stream is judged at: shed only when even this many tokens
    /// could not catch up with its schedule, so a stream longer than the bound is the rare loss.
    static let lateSheddingQuantile = 0.95
}
