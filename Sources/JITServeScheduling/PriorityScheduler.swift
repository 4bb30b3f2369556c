import JITServeCore

/// A policy that ranks every request (running and waiting alike) by one key, lowest first, and
/// packs them with chunked prefill. LAS, SJF and EDF are this with different keys.
public struct PriorityScheduler: Scheduler {
    /// What a request is ranked by: lower runs first. Ties go to the earlier arrival.
    public enum Key: Sendable {
        /// Service computed so far, summed over a workflow's calls, in doubling levels of
        /// `quantumTokens` (LAS).
        case attainedServiceLevel(quantumTokens: Int)
        /// Expected output still to come, plus a little for prefill still to do (SJF).
        case expectedRemainingLength
        /// The next due time: a stream's next token, a call's deadline or its stage's (EDF).
        case nextDueTime
        /// Any other key.
        case custom(@Sendable (SequenceState, SchedulerSnapshot) -> Double)
    }

    public let name: String
    public let key: Key

    public init(name: String, key: Key) {
        self.name = name
        self.key = key
    }

    public init(name: String, key: @escaping @Sendable (SequenceState, SchedulerSnapshot) -> Double) {
        self.init(name: name, key: .custom(key))
    }

    /// One request's rank, small enough to sort cheaply; `index` points into the snapshot's
    /// running-then-waiting requests.
    struct Candidate: Ranked {
        var key: Double
        var arrivedAt: Instant
        var id: RequestID
        var index: Int

        static func servedBefore(_ a: Candidate, _ b: Candidate) -> Bool {
            if a.key != b.key { return a.key < b.key }
            return a.arrivedAt != b.arrivedAt ? a.arrivedAt < b.arrivedAt : a.id < b.id
        }
    }

    public func schedule(_ snapshot: SchedulerSnapshot) -> SchedulePlan {
        var candidates: [Candidate] = []
        candidates.reserveCapacity(snapshot.running.count + snapshot.waiting.count)
        for rows in [snapshot.running, snapshot.waiting] {
            for i in rows.indices {
                candidates.append(Candidate(
                    key: value(of: rows, i, snapshot), arrivedAt: rows[i].arrivedAt, id: rows[i].id, index: candidates.count))
            }
        }
        // Only what the packer's walk reaches needs an exact rank: a queue of thousands is
        // ranked a batch at a time, and the plan is the one a full sort gives (`referencePlan`).
        var ranking = PartialRanking(candidates)
        ranking.settle(snapshot.budget.maxRunning)
        return ranking.pack(startingWith: ranking.settled.map(\.index), packer: BatchPacker(chunkedPrefill: true),
                            snapshot: snapshot)
    }

    /// The key of `rows[i]`. The built-in keys read the row's fields where it lies: handing a
    /// row to a function (`custom`) copies it, and a copy retains its length distribution, ten
    /// thousand times an iteration under a burst.
    private func value(of rows: [SequenceState], _ i: Int, _ snapshot: SchedulerSnapshot) -> Double {
        switch key {
        case .attainedServiceLevel(let quantum):
            let service = rows[i].workflowID.flatMap { snapshot.workflowServiceTokens[$0] } ?? rows[i].attainedServiceTokens
            guard service >= quantum else { return 0 }
            return (Double(service) / Double(quantum)).log2Floor + 1
        case .expectedRemainingLength:
            let generated = rows[i].generatedTokenCount
            return rows[i].length.expectedLength(generated: generated) - Double(generated)
                + Double(rows[i].pendingTokenCount - 1) / 64
        case .nextDueTime:
            if let wf = rows[i].workflowID, let estimate = snapshot.workflows[wf] {
                return estimate.currentStageDueAt.seconds
            }
            return rows[i].due.dueSeconds(rows[i].generatedTokenCount)
        case .custom(let key):
            return key(rows[i], snapshot)
        }
    }

    /// The plan `schedule` must return, the straightforward way: every request sorted by key
    /// and packed. The tests hold the two to the same plan. Not for serving: it sorts everything.
    func referencePlan(_ snapshot: SchedulerSnapshot) -> SchedulePlan {
        let states = snapshot.running + snapshot.waiting
        let keys = states.indices.map { value(of: states, $0, snapshot) }
        let order = states.indices.sorted {
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
        PriorityScheduler(name: "las", key: .attainedServiceLevel(quantumTokens: quantumTokens))
    }

    /// Shortest predicted remaining output first. With the analyzer's distribution it is a
    /// learned-ranking stand-in (`sjf`); told true lengths it is `sjf-oracle`.
    public static func shortestJobFirst(name: String = "sjf") -> PriorityScheduler {
        PriorityScheduler(name: name, key: .expectedRemainingLength)
    }

    /// Earliest (sub-)deadline first: a stream's next token, a tool call's deadline, or a
    /// workflow call's stage sub-deadline when the analyzer gives one.
    public static func earliestDeadlineFirst() -> PriorityScheduler {
        PriorityScheduler(name: "edf", key: .nextDueTime)
    }
}

extension Double {
    /// ⌊log₂(self)⌋ for self ≥ 1.
    var log2Floor: Double { Double(Int(self).bitWidth - 1 - Int(self).leadingZeroBitCount) }
}
