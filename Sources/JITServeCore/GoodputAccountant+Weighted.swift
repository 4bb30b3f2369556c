extension GoodputAccountant {
    /// The reference artifact's weighted token goodput (DESIGN §1, §9): prompt tokens count too,
    /// at `prefillWeight` each against `decodeWeight` per output token (1 : 8 by default).
    ///
    /// - latency: the prompt's tokens when the first token met its TTFT, plus `decodeWeight` per
    ///   on-time output token;
    /// - deadline: prompt and output (weighted) when the whole response met its deadline, else 0;
    /// - compound: every call's prompt and output (weighted) when the whole workflow met its
    ///   deadline, else 0 — the same workflow verdict as `report`.
    ///
    /// A report option beside the plain token goodput, never in its place. Returns weighted
    /// tokens per second of `duration`.
    public static func weightedTokenGoodput(
        records: [RequestRecord], workflowCallCounts: [WorkflowID: Int], duration: Duration,
        prefillWeight: Double = 1, decodeWeight: Double = 8
    ) -> Double {
        let workflowMet = workflowVerdicts(records: records, workflowCallCounts: workflowCallCounts)
        var total = 0.0
        for record in records {
            let prompt = Double(record.request.promptTokenCount)
            let output = Double(record.timeline.outputTokenCount)
            switch record.request.slo {
            case .latency:
                let good = goodTokenCount(record)
                // Token 0 on time is exactly "TTFT met".
                let due = record.request.slo.dueSchedule(arrivedAt: record.timeline.arrivedAt)
                let ttftMet = record.timeline.tokenDeliveredAt.first.map { $0.seconds <= due.dueSeconds(0) + tolerance } ?? false
                total += (ttftMet ? prefillWeight * prompt : 0) + decodeWeight * Double(good)
            case .deadline:
                if metInFull(record) { total += prefillWeight * prompt + decodeWeight * output }
            case .compound(let slo):
                if workflowMet[slo.workflowID] == true { total += prefillWeight * prompt + decodeWeight * output }
            }
        }
        let seconds = duration.seconds
        return seconds > 0 ? total / seconds : 0
    }
}
