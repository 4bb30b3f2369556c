import JITServeCore

/// A policy that ranks every request (running and waiting alike) by one key, lowest first, and
/// packs them with chunked prefill. LAS, SJF and EDF are this with different keys.
public struct PriorityScheduler: Scheduler {
    public let name: String
    /// The rank of a request: lower runs first. Ties go to the earlier arrival.
    public let key: @Sendable (SequenceState, SchedulerSnapshot) -> Double

    public init(name: String, key: @escaping @Sendable (SequenceState, SchedulerSnapshot) -> Double) {
        self.name = name
        self.key = key
    }

    public func schedule(_ snapshot: SchedulerSnapshot) -> SchedulePlan {
        let states = snapshot.running + snapshot.waiting
        let keys = states.map { key($0, snapshot) }
        // Sort indices, not rows: a row is large and the queue can hold thousands.
        var order = Array(states.indices)
        order.sort {
            if keys[$0] != keys[$1] { return keys[$0] < keys[$1] }
            return VLLMScheduler.firstCome(states[$0], states[$1])
        }
        return BatchPacker(chunkedPrefill: true).pack(order: order, of: states, snapshot: snapshot)
    }
}

extension PriorityScheduler {
    /// Least attained service, summed over a workflow's calls (Autellix's program-level LAS),
    /// in doubling service levels so equals share the device round-robin-like instead of
    /// thrashing on every token.
    public static func leastAttainedService(quantumTokens: Int = 256) -> PriorityScheduler {
        PriorityScheduler(name: "las") { s, snapshot in
            let service = s.workflowID.flatMap { snapshot.workflowServiceTokens[$0] } ?? s.attainedServiceTokens
            guard service >= quantumTokens else { return 0 }
            return (Double(service) / Double(quantumTokens)).log2Floor + 1
        }
    }

    /// Shortest predicted remaining output first. With the analyzer's distribution it is a
    /// learned-ranking stand-in (`sjf`); told true lengths it is `sjf-oracle`.
    public static func shortestJobFirst(name: String = "sjf") -> PriorityScheduler {
        PriorityScheduler(name: name) { s, _ in
            s.length.expectedLength(generated: s.generatedTokenCount) - Double(s.generatedTokenCount)
                + Double(s.pendingTokenCount - 1) / 64
        }
    }

    /// Earliest (sub-)deadline first: a stream's next token, a tool call's deadline, or a
    /// workflow call's stage sub-deadline when the analyzer gives one.
    public static func earliestDeadlineFirst() -> PriorityScheduler {
        PriorityScheduler(name: "edf") { s, snapshot in
            if let wf = s.workflowID, let estimate = snapshot.workflows[wf] {
                return estimate.currentStageDueAt.seconds
            }
            return s.due.dueSeconds(s.generatedTokenCount)
        }
    }
}

extension Double {
    /// ⌊log₂(self)⌋ for self ≥ 1.
    var log2Floor: Double { Double(Int(self).bitWidth - 1 - Int(self).leadingZeroBitCount) }
}
