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
        var keyed: [(key: Double, state: SequenceState)] = []
        keyed.reserveCapacity(snapshot.running.count + snapshot.waiting.count)
        for s in snapshot.running { keyed.append((key(s, snapshot), s)) }
        for s in snapshot.waiting { keyed.append((key(s, snapshot), s)) }
        keyed.sort {
            if $0.key != $1.key { return $0.key < $1.key }
            return VLLMScheduler.firstCome($0.state, $1.state)
        }
        return BatchPacker(chunkedPrefill: true).pack(keyed.map(\.state), snapshot: snapshot)
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
