import JITServeCore

extension EngineCore {
    /// With predictive admission, sheds every waiting request that never started and can no
    /// longer earn goodput (`AdmissionControl.hasMissedStart`, a stream judged at its length
    /// bound), and returns their records (finish reason `.shed`).
    /// Without it, nothing: a server that takes every request (vLLM's way, the default) answers
    /// each one, however late.
    func shedMissedStarts(now: Instant) -> [RequestRecord] {
        guard configuration.admission?.predictsQueueingDelay == true else { return [] }
        let missed = waiting.filter {
            $0.timeline.firstScheduledAt == nil && AdmissionControl.hasMissedStart($0.request, length: $0.state.length, now: now)
        }
        guard !missed.isEmpty else { return [] }
        removeFromWaiting(missed)
        return missed.map { retire($0, reason: .shed, at: now) }
    }
}
