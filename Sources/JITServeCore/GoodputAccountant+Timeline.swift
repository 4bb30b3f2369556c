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
        var callsSeen: [WorkflowID: Int] = [:], callsMet: [WorkflowID: Int] = [:]
        for record in records {
            guard let wf = record.request.slo.workflowID else { continue }
            callsSeen[wf, default: 0] += 1
            if metInFull(record) { callsMet[wf, default: 0] += 1 }
        }
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
                let seen = callsSeen[c.workflowID] ?? 0
                let met = seen >= (workflowCallCounts[c.workflowID] ?? seen) && callsMet[c.workflowID] == seen
                if met { timeline.tokenDeliveredAt.forEach(credit) }
            }
        }
        return buckets.map { $0 / bucketSeconds }
    }
}
