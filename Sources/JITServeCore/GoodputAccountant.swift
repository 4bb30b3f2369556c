/// Turns request timelines into goodput, exactly as DESIGN §1 defines it.
///
/// - latency: output token k counts when delivered by `arrival + ttft + k·tbt`;
/// - deadline: every token counts when the request finished by `arrival + ttlt`, else none;
/// - compound: every token of every call counts when *all* the workflow's calls finished by the
///   workflow's due instant, else none.
/// A request that was cancelled or rejected never meets its SLO in full.
public enum GoodputAccountant {
    /// Tolerance for "exactly at its due time": float rounding must not turn an on-time token late.
    public static let tolerance = 1e-9

    /// Tokens of `record` that met their SLO, for latency and deadline requests. For compound
    /// calls this answers for the call alone; the workflow rule is applied by `report`.
    public static func goodTokenCount(_ record: RequestRecord) -> Int {
        let timeline = record.timeline
        switch record.request.slo {
        case .latency:
            let due = record.request.slo.dueSchedule(arrivedAt: timeline.arrivedAt)
            var good = 0
            for (k, at) in timeline.tokenDeliveredAt.enumerated() where at.seconds <= due.dueSeconds(k) + tolerance {
                good += 1
            }
            return good
        case .deadline, .compound:
            return finishedOnTime(record) ? timeline.outputTokenCount : 0
        }
    }

    /// Whether the request met its own SLO in full (for a compound call: finished by the
    /// workflow's due instant).
    public static func metInFull(_ record: RequestRecord) -> Bool {
        switch record.request.slo {
        case .latency:
            completedNormally(record.timeline)
                && goodTokenCount(record) == record.timeline.outputTokenCount
        case .deadline, .compound:
            finishedOnTime(record)
        }
    }

    private static func completedNormally(_ timeline: RequestTimeline) -> Bool {
        timeline.finishReason == .stop || timeline.finishReason == .length
    }

    private static func finishedOnTime(_ record: RequestRecord) -> Bool {
        guard completedNormally(record.timeline), let finishedAt = record.timeline.finishedAt else { return false }
        let due = record.request.slo.dueSchedule(arrivedAt: record.timeline.arrivedAt).first
        return finishedAt.seconds <= due + tolerance
    }

    /// The report over `records`.
    ///
    /// - Parameters:
    ///   - records: Every call the run knew of, finished or not.
    ///   - workflowCallCounts: The true number of calls of each workflow. A workflow whose calls
    ///     are not all in `records` (a stage never released) has not met its SLO.
    ///   - duration: What goodput is divided by: the run's arrival window.
    public static func report(
        records: [RequestRecord], workflowCallCounts: [WorkflowID: Int], duration: Duration
    ) -> GoodputReport {
        // Workflow verdicts first: a compound call's tokens count only with its whole workflow.
        let workflowMet = workflowVerdicts(records: records, workflowCallCounts: workflowCallCounts)
        let seconds = duration.seconds
        let overall = figures(records: records, workflowMet: workflowMet, seconds: seconds)
        var byKind: [String: GoodputFigures] = [:]
        for kind in SLOKind.allCases {
            let subset = records.filter { $0.request.kind == kind }
            let met = kind == .compound ? workflowMet : [:]
            if subset.isEmpty && met.isEmpty { continue }
            byKind[kind.rawValue] = figures(records: subset, workflowMet: met, seconds: seconds)
        }
        return GoodputReport(durationSeconds: seconds, overall: overall, byKind: byKind)
    }

    /// Whether each workflow met its deadline: every one of its calls present (per
    /// `workflowCallCounts`) and finished on time. Workflows with no call in `records` are false.
    public static func workflowVerdicts(
        records: [RequestRecord], workflowCallCounts: [WorkflowID: Int]
    ) -> [WorkflowID: Bool] {
        var callsSeen: [WorkflowID: Int] = [:]
        var callsMet: [WorkflowID: Int] = [:]
        for record in records {
            guard let wf = record.request.slo.workflowID else { continue }
            callsSeen[wf, default: 0] += 1
            if metInFull(record) { callsMet[wf, default: 0] += 1 }
        }
        var met: [WorkflowID: Bool] = [:]
        for (wf, seen) in callsSeen {
            met[wf] = seen >= (workflowCallCounts[wf] ?? seen) && callsMet[wf, default: 0] == seen
        }
        for wf in workflowCallCounts.keys where met[wf] == nil { met[wf] = false }
        return met
    }

    private static func figures(
        records: [RequestRecord], workflowMet: [WorkflowID: Bool], seconds: Double
    ) -> GoodputFigures {
        var goodTokens = 0, outputTokens = 0, unitsMet = 0, units = 0, finished = 0, preemptions = 0
        var ttft: [Double] = [], tbt: [Double] = [], tpot: [Double] = [], e2e: [Double] = [], queueing: [Double] = []
        for record in records {
            let timeline = record.timeline
            outputTokens += timeline.outputTokenCount
            preemptions += timeline.preemptionCount
            if timeline.isFinished { finished += 1 }
            if let wf = record.request.slo.workflowID {
                if workflowMet[wf] == true { goodTokens += timeline.outputTokenCount }
            } else {
                units += 1
                goodTokens += goodTokenCount(record)
                if metInFull(record) { unitsMet += 1 }
            }
            if let v = timeline.ttft { ttft.append(v.seconds) }
            if let v = timeline.queueing { queueing.append(v.seconds) }
            let delivered = timeline.tokenDeliveredAt
            if delivered.count > 1 {
                for i in 1..<delivered.count { tbt.append(delivered[i].seconds - delivered[i - 1].seconds) }
                tpot.append((delivered[delivered.count - 1].seconds - delivered[0].seconds) / Double(delivered.count - 1))
            }
            if timeline.finishReason == .stop || timeline.finishReason == .length, let v = timeline.endToEnd {
                e2e.append(v.seconds)
            }
        }
        units += workflowMet.count
        unitsMet += workflowMet.values.filter { $0 }.count
        let perSecond = seconds > 0 ? 1 / seconds : 0
        return GoodputFigures(
            tokenGoodput: Double(goodTokens) * perSecond,
            requestGoodput: Double(unitsMet) * perSecond,
            sloAttainment: units > 0 ? Double(unitsMet) / Double(units) : 0,
            throughputTokens: Double(outputTokens) * perSecond,
            goodTokens: goodTokens, outputTokens: outputTokens, unitsMet: unitsMet, units: units,
            finished: finished, total: records.count, preemptions: preemptions,
            ttft: LatencySummary(ttft), tbt: LatencySummary(tbt), tpot: LatencySummary(tpot),
            e2e: LatencySummary(e2e), queueing: LatencySummary(queueing)
        )
    }
}
