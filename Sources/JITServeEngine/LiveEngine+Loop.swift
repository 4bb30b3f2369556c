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
            if work.adds.isEmpty, work.cancels.isEmpty, work.notices.isEmpty, !work.stopping {
                if !core.hasWork {
                    // Idle workflows are still looked for while nothing runs.
                    if core.liveWorkflowCount > 0 {
                        _ = wakeUp.wait(timeout: .now() + .seconds(1))
                    } else {
                        wakeUp.wait()
                    }
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
            for submission in work.adds {
                let request = submission.request
                do {
                    try core.add(request, options: submission.options)
                    latestArrivalAt = max(latestArrivalAt, request.arrivedAt)
                    streams[request.id] = submission.continuation
                    if let wf = request.slo.workflowID, let estimate = core.workflowEstimate(wf) {
                        submission.continuation.yield(.workflowEstimate(estimate))
                    }
                } catch {
                    core.noteLostCall(request, endsWorkflow: submission.options.endsWorkflow)
                    submission.continuation.finish(throwing: error)
                    closeStream()
                }
            }
            for id in work.cancels {
                guard let record = core.cancel(id, at: now) else { continue }
                retire(record, error: nil)
            }
            for notice in work.notices {
                switch notice {
                case .final(let id): core.markWorkflowFinal(id)
                case .lostCall(let request, let endsWorkflow): core.noteLostCall(request, endsWorkflow: endsWorkflow)
                }
            }
            if !work.adds.isEmpty || !work.cancels.isEmpty { canProgress = true }
            if core.hasWork { canProgress = iterate() }
            sweepWorkflows()
            publish()
        }
    }

    /// Forgets workflows the core has ended (final call done), and about once a second those
    /// idle past their deadline, and tells `onWorkflowEnd`.
    private func sweepWorkflows() {
        let now = clock.now()
        if now.seconds - lastExpirySweepAt.seconds >= 1 {
            lastExpirySweepAt = now
            core.expireIdleWorkflows(now: now)
        }
        let ended = core.takeEndedWorkflows()
        guard let onWorkflowEnd else { return }
        for id in ended { onWorkflowEnd(id) }
    }

    /// Empties the inbox; from here on a new submit or cancel signals `wakeUp` again.
    private func takeInbox() -> (adds: [Submission], cancels: [RequestID], notices: [WorkflowNotice], stopping: Bool) {
        inbox.withLock { inbox in
            defer {
                inbox.adds.removeAll(keepingCapacity: true)
                inbox.cancels.removeAll(keepingCapacity: true)
                inbox.workflowNotices.removeAll(keepingCapacity: true)
                inbox.isWakeUpPending = false
            }
            return (inbox.adds, inbox.cancels, inbox.workflowNotices, inbox.isStopping)
        }
    }

    /// Runs one iteration and delivers what it produced. Returns false when nothing could run.
    private func iterate() -> Bool {
        let report: IterationReport
        do {
            report = try core.step(now: iterationStart(clock.now()))
        } catch {
            failAll(error)
            return false
        }
        guard !report.isIdle else {
            pacedIteration = nil
            retireFinished(report)
            return false
        }
        pacedIteration = report.finishedAt > clock.now() ? (report.finishedAt, report.elapsed) : nil
        waitUntil(report.finishedAt)
        for token in report.tokens {
            streams[token.requestID]?.yield(.token(token))
        }
        retireFinished(report)
        return true
    }

    /// Ends the streams of an iteration's finished requests; one shed before its first token
    /// (predictive admission) ends with the refusal, which the server sends as a 429.
    private func retireFinished(_ report: IterationReport) {
        for record in report.finished {
            retire(record, error: record.timeline.finishReason == .shed ? AdmissionControl.lateShedError(record) : nil)
        }
    }

    /// When an iteration starting at `now` starts on the engine's timeline. A modelled executor
    /// runs its iterations back to back, as in the simulator; but between two iterations this
    /// loop delivers tokens and admits requests, which takes real time — on a busy machine enough
    /// to cost a saturated `serve --executor sim` 15 % of its iterations against `simulate`. So
    /// an iteration that follows a paced one within that one's length starts where it ended (the
    /// loop's work overlaps the modelled GPU time), or at the latest arrival it may serve: never
    /// before a request it holds arrived, never after `now`. A real executor's iteration has
    /// already taken its time (`pacedIteration` is nil) and starts at `now`.
    private func iterationStart(_ now: Instant) -> Instant {
        guard let (endedAt, elapsed) = pacedIteration, now.seconds - endedAt.seconds <= elapsed.seconds else { return now }
        return min(now, max(endedAt, latestArrivalAt))
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
    private func endAll(pending: [Submission]) {
        for submission in pending {
            submission.continuation.finish(throwing: EngineError.shuttingDown)
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
        let load = core.load(now: clock.now())
        inbox.withLock { inbox in
            inbox.status.stats = stats
            inbox.status.recentIterationSeconds = seconds
            inbox.status.load = load
        }
    }
}
