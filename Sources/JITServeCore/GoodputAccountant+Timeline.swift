extension GoodputAccountant {
    /// Good tokens delivered in each `bucketSeconds`-wide window from time 0, as tokens/s: the
    /// "goodput over time" curve. Tokens are credited when delivered, under the same rules as
    /// `report` (a workflow's tokens only when the whole workflow met its deadline).
    public static func goodputOverTime(
        records: [RequestRecord], workflowCallCounts: [WorkflowID: Int], bucketSeconds: Double, until end: Double
    ) -> [Double] {
        precondition(bucketSeconds > 0)
        let bucketCount = max(1, Int((end / bucketSeconds).rounded(.up)))
        var buckets = [Double](repeating: 0, count: bucketCount)
        func credit(_ at: Instant) {
            let i = Int(at.seconds / bucketSeconds)
            if i >= 0 && i < bucketCount { buckets[i] += 1 }
        }
        let workflowMet = workflowVerdicts(records: records, workflowCallCounts: workflowCallCounts)
        for record in records {
            let timeline = record.timeline
            switch record.request.slo {
            case .latency:
                let due = record.request.slo.dueSchedule(arrivedAt: timeline.arrivedAt)
                for (k, at) in timeline.tokenDeliveredAt.enumerated() where at.seconds <= due.dueSeconds(k) + tolerance {
                    credit(at)
                }
            case .deadline:
                if metInFull(record) { timeline.tokenDeliveredAt.forEach(credit) }
            case .compound(let c):
                if workflowMet[c.workflowID] == true { timeline.tokenDeliveredAt.forEach(credit) }
            }
        }
        return buckets.map { $0 / bucketSeconds }
    }
}
