import JITServeCore

/// Packs a priority-ordered list of requests into one iteration under the token budget, the
/// batch cap and the KV cache, preempting the lowest-priority KV holders when memory runs out.
///
/// Policies differ in *order* (FCFS, least attained service, shortest job, earliest deadline,
/// goodput density) far more than in packing, so they share this one packer and stay small.
public struct BatchPacker: Sendable {
    /// Split long prefills across iterations to fill the token budget (Sarathi-style).
    public var chunkedPrefill: Bool
    /// Most requests preempted per iteration; bounds churn.
    public var maxPreemptions: Int

    /// Whether a KV holder (first argument) may be preempted to make room for a request
    /// (second argument); nil: any lower-ranked holder may.
    public var isPreemptible: (@Sendable (SequenceState, SequenceState) -> Bool)?

    public init(chunkedPrefill: Bool = true, maxPreemptions: Int = .max,
                isPreemptible: (@Sendable (SequenceState, SequenceState) -> Bool)? = nil) {
        self.chunkedPrefill = chunkedPrefill
        self.maxPreemptions = maxPreemptions
        self.isPreemptible = isPreemptible
    }

    /// Plans an iteration over `ordered` (highest priority first; any mix of running and
    /// waiting requests). KV holders absent from `ordered` are the first preemption victims;
    /// after them, holders from the back of `ordered`. A victim always ranks below the request
    /// it makes room for.
    public func pack(_ ordered: [SequenceState], snapshot: SchedulerSnapshot) -> SchedulePlan {
        pack(order: Array(ordered.indices), of: ordered, snapshot: snapshot)
    }

    /// `pack(_:snapshot:)` over `states[order[0]], states[order[1]], …`: policies rank indices
    /// rather than moving whole rows around, which dominates a large queue's cost.
    public func pack(order: [Int], of states: [SequenceState], snapshot: SchedulerSnapshot) -> SchedulePlan {
        let budget = snapshot.budget
        // Victims in the order they are given up: unlisted holders, then listed from the back.
        // Built only when memory first runs short: most iterations never need it.
        // Indices into `snapshot.running` with their rank: sorting small pairs, not the rows.
        var victims: [(running: Int, rank: Int)]?
        func rankedVictims() -> [(running: Int, rank: Int)] {
            var position: [RequestID: Int] = [:]
            position.reserveCapacity(order.count)
            for (i, k) in order.enumerated() { position[states[k].id] = i }
            let running = snapshot.running
            var list: [(running: Int, rank: Int)] = []
            for (i, s) in running.enumerated() where s.holdsKV { list.append((i, position[s.id] ?? Int.max)) }
            list.sort {
                $0.rank != $1.rank ? $0.rank > $1.rank : running[$0.running].arrivedAt > running[$1.running].arrivedAt
            }
            return list
        }
        var nextVictim = 0

        var tokensLeft = budget.maxBatchedTokens
        var slotsLeft = budget.maxRunning
        var freeBlocks = budget.freeBlockCount
        var scheduled: [ScheduledWork] = []
        // Preemption is rare: plain arrays beat hashing on the common path.
        var preempted: [RequestID] = []

        for (rank, k) in order.enumerated() {
            if slotsLeft == 0 || tokensLeft == 0 { break }
            let s = states[k]
            if !preempted.isEmpty && preempted.contains(s.id) { continue }
            var chunk = s.pendingTokenCount
            if chunk > tokensLeft {
                if chunkedPrefill {
                    chunk = tokensLeft
                } else if !scheduled.isEmpty {
                    continue
                }
                // An unchunked prefill larger than the budget runs alone rather than never.
            }
            var needed = budget.blocks(for: s.computedTokenCount + chunk) - s.allocatedBlockCount
            if freeBlocks < needed, victims == nil { victims = rankedVictims() }
            while freeBlocks < needed, preempted.count < maxPreemptions, let list = victims, nextVictim < list.count {
                let (index, victimRank) = list[nextVictim]
                if victimRank <= rank { break }
                nextVictim += 1
                let victim = snapshot.running[index]
                if scheduled.contains(where: { $0.requestID == victim.id }) { continue }
                if let allowed = isPreemptible, !allowed(victim, s) { continue }
                preempted.append(victim.id)
                freeBlocks += victim.allocatedBlockCount
            }
            if freeBlocks < needed {
                guard chunkedPrefill, s.pendingTokenCount > 1 else { continue }
                // Prefill what still fits; the rest waits for memory.
                let fits = (s.allocatedBlockCount + freeBlocks) * budget.blockSize - s.computedTokenCount
                chunk = min(chunk, fits)
                if chunk <= 0 { continue }
                needed = budget.blocks(for: s.computedTokenCount + chunk) - s.allocatedBlockCount
            }
            scheduled.append(ScheduledWork(requestID: s.id, tokenCount: chunk))
            freeBlocks -= max(0, needed)
            tokensLeft -= chunk
            slotsLeft -= 1
        }
        return SchedulePlan(scheduled: scheduled, preempted: preempted)
    }
}
