import JITServeCore
import JITServeHTTPClient
import JITServeSimulation

extension LiveReplay {
    /// One run's state: its clock origin, its prepared prompts and its ledger.
    struct Run: Sendable {
        let replay: LiveReplay
        let origin: ContinuousClock.Instant
        let prepared: [RequestID: PromptPayload]
        let ledger = ReplayLedger()

        /// An instant of the HTTP client's clock on the run's clock.
        var reader: ResponseReader {
            let origin = origin
            return ResponseReader(instant: { Instant(seconds: ($0 - origin).seconds) })
        }

        func now() -> Instant { Instant(seconds: (ContinuousClock.now - origin).seconds) }

        /// The call for an independent request.
        func call(for traced: TracedRequest) -> ReplayCall {
            let request = traced.request
            let prompt = prepared[request.id]
                ?? replay.prompts.tokens(count: request.promptTokenCount, seed: Self.seed(request.id))
            return ReplayCall(request: request, outputTokenCount: traced.outputTokenCount, prompt: prompt)
        }

        /// Sends a workflow's stages one after another, each stage's calls at once.
        func runWorkflow(_ planned: WorkloadPlan.PlannedWorkflow) async {
            let start = now()
            let spec = planned.traced.spec
            // Workflow calls carry the simulator's output cap (the paper mix's floor), scaled.
            let floor = max(1, Int((Double(PaperMix.maxOutputTokensFloor) * replay.options.lengthScale).rounded()))
            for (s, stage) in spec.stages.enumerated() {
                if Task.isCancelled { return }
                if stage.delayBefore > .zero { try? await Task.sleep(for: stage.delayBefore) }
                if Task.isCancelled { return }
                let slo = CompoundSLO(workflowID: spec.id, stage: s, workflowStartedAt: start, deadline: planned.traced.deadline)
                await withTaskGroup(of: Void.self) { group in
                    for (c, call) in stage.calls.enumerated() {
                        let id = planned.callIDs[s][c]
                        let request = Request(
                            id: id, arrivedAt: start, promptTokenCount: call.promptTokenCount,
                            maxOutputTokens: max(call.outputTokenCount, floor), slo: .compound(slo),
                            application: spec.application)
                        let replayCall = ReplayCall(
                            request: request, outputTokenCount: call.outputTokenCount,
                            prompt: replay.prompts.tokens(count: call.promptTokenCount, seed: Self.seed(id)),
                            workflowName: "\(replay.options.runTag)-wf\(spec.id.rawValue)", isFinal: s == spec.stages.count - 1)
                        group.addTask { await perform(replayCall) }
                    }
                }
            }
        }

        /// Sends one call, reads its answer, and records it.
        func perform(_ call: ReplayCall) async {
            var outcome = CallOutcome(sentAt: now())
            ledger.sent()
            do {
                let response = try await replay.client.send(
                    call.httpRequest(profile: replay.profile, forcing: replay.forcing), timeout: replay.options.requestTimeout)
                outcome.status = response.status
                if response.status == 429 { outcome.retryAfter = response.header("retry-after") }
                if response.status != 200 {
                    let body = (try? await response.collect().bytes) ?? []
                    outcome.fail(String(response.status), ResponseReader.errorDetail(status: response.status, body: body), at: now())
                } else if call.streams {
                    try await reader.readStream(response, into: &outcome)
                } else {
                    try await reader.readWhole(response, into: &outcome)
                }
            } catch {
                if Task.isCancelled && outcome.errorClass == nil {
                    // The run ended first: unfinished, with whatever tokens had arrived.
                    outcome.finishReason = nil
                    outcome.finishedAt = nil
                } else if case HTTPClientError.timedOut = error {
                    outcome.fail("timeout", "\(error)", at: now())
                } else if outcome.errorClass == nil {
                    outcome.fail("transport", "\(error)", at: now())
                }
            }
            var request = call.request
            request.arrivedAt = outcome.sentAt
            var timeline = RequestTimeline(arrivedAt: outcome.sentAt)
            timeline.tokenDeliveredAt = outcome.tokenTimes
            timeline.finishedAt = outcome.finishedAt
            timeline.finishReason = outcome.finishReason
            ledger.record(RequestRecord(request: request, timeline: timeline), outcome: outcome)
        }

        func progress() -> Progress {
            let s = ledger.snapshot
            return Progress(
                elapsedSeconds: (ContinuousClock.now - origin).seconds, windowSeconds: replay.workload.duration.seconds,
                sent: s.sent, finished: s.finished, errors: s.errors.values.reduce(0, +), shed: s.shed)
        }

        func result(wallSeconds: Double) -> LiveReplayResult {
            let s = ledger.snapshot
            let records = s.records.sorted { $0.request.id < $1.request.id }
            let report = GoodputAccountant.report(
                records: records, workflowCallCounts: replay.plan.workflowCallCounts, duration: replay.workload.duration)
            return LiveReplayResult(
                records: records, report: report, errorsByClass: s.errors, firstErrors: s.firstErrors,
                callCount: replay.workload.callCount, sentCount: s.sent,
                admittedCount: s.admitted, shedCount: s.shed, shedWithoutRetryAfterCount: s.shedWithoutRetryAfter,
                serverErrorCount: s.serverErrors, admittedLatencyWithoutFirstTokenCount: s.admittedLatencyWithoutFirstToken,
                unfinishedCount: records.filter { $0.timeline.finishedAt == nil }.count,
                unsentCount: replay.workload.callCount - records.count, wallSeconds: wallSeconds,
                forcing: replay.forcing, promptsExact: replay.prompts.isExact,
                workflowCallCounts: replay.plan.workflowCallCounts)
        }

        /// Where a call's prompt starts in the corpus: spread, and the same on every run.
        static func seed(_ id: RequestID) -> UInt64 { (id.rawValue &* 0x9E37_79B9_7F4A_7C15) >> 17 }
    }
}
