extension GoodputAccountant {
    /// One record's verdict under the run's rules: whether its SLO was met in full (a compound
    /// call: whether its whole workflow met its deadline) and how many of its tokens count.
    public struct Verdict: Hashable, Sendable {
        public var isMet: Bool
        public var goodTokenCount: Int
    }

    /// The verdict of every record, in order, exactly as `report` counts them: summing
    /// `goodTokenCount` gives the report's good tokens.
    public static func verdicts(records: [RequestRecord], workflowCallCounts: [WorkflowID: Int]) -> [Verdict] {
        let workflowMet = workflowVerdicts(records: records, workflowCallCounts: workflowCallCounts)
        return records.map { record in
            if let wf = record.request.slo.workflowID {
                let met = workflowMet[wf] == true
                return Verdict(isMet: met, goodTokenCount: met ? record.timeline.outputTokenCount : 0)
            }
            return Verdict(isMet: metInFull(record), goodTokenCount: goodTokenCount(record))
        }
    }
}
