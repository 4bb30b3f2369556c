import Dispatch
import JITServeCore

extension LiveEngine {
    /// The engine thread: take the inbox, apply it, run one iteration, deliver, repeat.
    func runLoop() {
        // False when the last iteration could not run anything (e.g. every waiting request needs
        // blocks that are not free): then only a cancel or a new request can change that, and the
        // loop waits for one instead of spinning.
        var canProgress = true
        while true {
            var work = takeInbox()
            if work.adds.isEmpty, work.cancels.isEmpty, !work.stopping {
                if !core.hasWork {
                    wakeUp.wait()
                    work = takeInbox()
                } else if !canProgress {
                    _ = wakeUp.wait(timeout: .now() + .milliseconds(5))
                    work = takeInbox()
                }
            }
            if work.stopping {
                endAll(pending: work.adds)
                return
            }
            let now = clock.now()
            for (request, continuation) in work.adds {
                do {
                    try core.add(request)
                    streams[request.id] = continuation
                } catch {
                    continuation.finish(throwing: error)
                    closeStream()
                }
            }
            for id in work.cancels {
                guard let record = core.cancel(id, at: now) else { continue }
                retire(record, error: nil)
            }
            if !work.adds.isEmpty || !work.cancels.isEmpty { canProgress = true }
            if core.hasWork { canProgress = iterate() }
            publish()
        }
    }

    /// Empties the inbox; from here on a new submit or cancel signals `wakeUp` again.
    private func takeInbox() -> (adds: [(Request, Events.Continuation)], cancels: [RequestID], stopping: Bool) {
        inbox.withLock { inbox in
            defer {
                inbox.adds.removeAll(keepingCapacity: true)
                inbox.cancels.removeAll(keepingCapacity: true)
                inbox.isWakeUpPending = false
            }
            return (inbox.adds, inbox.cancels, inbox.isStopping)
        }
    }

    /// Runs one iteration and delivers what it produced. Returns false when nothing could run.
    private func iterate() -> Bool {
        let report: IterationReport
        do {
            report = try core.step(now: clock.now())
        } catch {
            failAll(error)
            return false
        }
        guard !report.isIdle else { return false }
        waitUntil(report.finishedAt)
        for token in report.tokens {
            streams[token.requestID]?.yield(.token(token))
        }
        for record in report.finished { retire(record, error: nil) }
        return true
    }

    /// Holds delivery until `instant` on the wall clock: a simulated executor's modelled time
    /// passes for real. A real executor's iteration has already taken that long. Only shutdown
    /// cuts the wait short; new work waits for the iteration to end.
    private func waitUntil(_ instant: Instant) {
        while true {
            let remaining = instant.seconds - clock.now().seconds
            guard remaining > 0 else { return }
            let deadline = DispatchTime.now() + .nanoseconds(Int(remaining * 1e9))
            guard wakeUp.wait(timeout: deadline) == .success else { return }
            let stopping = inbox.withLock { inbox in
                inbox.isWakeUpPending = false
                return inbox.isStopping
            }
            if stopping { return }
        }
    }

    /// Ends a request's stream with its record (or an error) and reports the record.
    private func retire(_ record: RequestRecord, error: (any Error)?) {
        if let continuation = streams.removeValue(forKey: record.request.id) {
            if let error {
                continuation.finish(throwing: error)
            } else {
                continuation.yield(.finished(record))
                continuation.finish()
            }
            closeStream()
        }
        onRetire?(record)
    }

    private func closeStream() {
        inbox.withLock { inbox in
            inbox.activeCount -= 1
            inbox.status.activeRequestCount = inbox.activeCount
        }
    }

    /// An executor failure leaves the core's state unknown for every request in it: end them all.
    private func failAll(_ error: any Error) {
        let now = clock.now()
        for id in Array(streams.keys) {
            if let record = core.cancel(id, at: now) { retire(record, error: error) }
        }
    }

    /// Shutdown after the grace period: end every request still held, and the pending ones.
    private func endAll(pending: [(Request, Events.Continuation)]) {
        for (_, continuation) in pending {
            continuation.finish(throwing: EngineError.shuttingDown)
            closeStream()
        }
        let now = clock.now()
        for id in Array(streams.keys).sorted() {
            if let record = core.cancel(id, at: now) { retire(record, error: EngineError.shuttingDown) }
        }
        publish()
        inbox.withLock { $0.hasStopped = true }
    }

    private func publish() {
        let stats = core.stats
        let seconds = core.recentIterationSeconds
        inbox.withLock { inbox in
            inbox.status.stats = stats
            inbox.status.recentIterationSeconds = seconds
        }
    }
}
