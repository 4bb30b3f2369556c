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

    /// Which rows (indexed like the rows packed) may preempt anyone at all; nil: every row.
    /// A row that may not waits for free memory and leaves the victims to the rows after it:
    /// unlike a holder `isPreemptible` turns down, which is passed over for good.
    public var mayPreempt: [Bool]?

    public init(chunkedPrefill: Bool = true, maxPreemptions: Int = .max,
                isPreemptible: (@Sendable (SequenceState, SequenceState) -> Bool)? = nil, mayPreempt: [Bool]? = nil) {
        self.chunkedPrefill = chunkedPrefill
        self.maxPreemptions = maxPreemptions
        self.isPreemptible = isPreemptible
        self.mayPreempt = mayPreempt
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
    /// A `ration`, indexed like `states`, caps what its rows take together.
    public func pack(order: [Int], of states: [SequenceState], snapshot: SchedulerSnapshot,
                     ration: TokenRation? = nil) -> SchedulePlan {
        pack(ListedRows(states: states), order: order, walkLimit: order.count, snapshot: snapshot, ration: ration).plan
    }

    /// `pack(order:of:snapshot:)` where `order` indexes the snapshot's running requests, then its
    /// waiting ones (as `SnapshotRows` does), without concatenating the two, and where only the
    /// first `walkLimit` entries of `order` are in serving order: the rest may list requests
    /// that hold KV, in serving order among themselves and below every entry before the limit,
    /// so that preemption victims rank as they would in the whole order. `isCut` tells that
    /// the walk reached the limit (or the end of `order`) with room left: the plan may then be
    /// incomplete, and a caller with requests still unranked must rank further and pack again.
    /// `isRationSpent` tells that the ration's rows got all it holds: a rationed row further on
    /// would be passed over, whatever its rank.
    func pack(snapshotOrder order: [Int], walkLimit: Int, snapshot: SchedulerSnapshot,
              ration: TokenRation? = nil) -> (plan: SchedulePlan, isCut: Bool, isRationSpent: Bool) {
        pack(SnapshotRows(snapshot), order: order, walkLimit: walkLimit, snapshot: snapshot, ration: ration)
    }

    private func pack<Rows: PackedRows>(
        _ states: Rows, order: [Int], walkLimit: Int, snapshot: SchedulerSnapshot, ration: TokenRation?
    ) -> (plan: SchedulePlan, isCut: Bool, isRationSpent: Bool) {
        let budget = snapshot.budget
        // Victims in the order they are given up: unlisted holders, then listed from the back.
        // Built only when memory first runs short: most iterations never need it.
        // Indices into `snapshot.running` with their rank: sorting small pairs, not the rows.
        var victims: [(running: Int, rank: Int)]?
        func rankedVictims() -> [(running: Int, rank: Int)] {
            let position = states.runningRanks(in: order, running: snapshot.running)
            let running = snapshot.running
            var list: [(running: Int, rank: Int)] = []
            for i in running.indices where running[i].holdsKV { list.append((i, position(i))) }
            list.sort {
                $0.rank != $1.rank ? $0.rank > $1.rank : running[$0.running].arrivedAt > running[$1.running].arrivedAt
            }
            return list
        }
        var nextVictim = 0

        var tokensLeft = budget.maxBatchedTokens
        var rationLeft = ration?.tokens ?? 0
        var slotsLeft = budget.maxRunning
        var freeBlocks = budget.freeBlockCount
        var scheduled: [ScheduledWork] = []
        // Preemption is rare: plain arrays beat hashing on the common path.
        var preempted: [RequestID] = []

        // Cut unless the budget ran out: the walk reached the limit, or ran off the end of
        // `order` — then too, since its last entries may not have fitted where later ones would.
        var isCut = true
        for (rank, k) in order.enumerated() {
            if slotsLeft == 0 || tokensLeft == 0 {
                isCut = false
                break
            }
            if rank == walkLimit { break }
            // The fields it needs, each read from the lent row: binding the whole row would copy
            // it (a retain of its length distribution) for every request the walk passes.
            let (id, pending, computed, allocated) = (
                states[k].id, states[k].pendingTokenCount, states[k].computedTokenCount, states[k].allocatedBlockCount)
            if !preempted.isEmpty && preempted.contains(id) { continue }
            let isRationed = ration?.isRationed[k] ?? false
            let tokenLimit = isRationed ? min(tokensLeft, rationLeft) : tokensLeft
            if tokenLimit <= 0 { continue }
            var chunk = pending
            if chunk > tokenLimit {
                if chunkedPrefill {
                    chunk = tokenLimit
                } else if !scheduled.isEmpty {
                    continue
                }
                // An unchunked prefill larger than the budget runs alone rather than never.
            }
            var needed = budget.blocks(for: computed + chunk) - allocated
            let claims = freeBlocks < needed && (mayPreempt?[k] ?? true)
            if claims, victims == nil { victims = rankedVictims() }
            while claims, freeBlocks < needed, preempted.count < maxPreemptions, let list = victims, nextVictim < list.count {
                let (index, victimRank) = list[nextVictim]
                if victimRank <= rank { break }
                nextVictim += 1
                let victim = snapshot.running[index]
                if scheduled.contains(where: { $0.requestID == victim.id }) { continue }
                if let allowed = isPreemptible, !allowed(victim, states[k]) { continue }
                preempted.append(victim.id)
                freeBlocks += victim.allocatedBlockCount
            }
            if freeBlocks < needed {
                guard chunkedPrefill, pending > 1 else { continue }
                // Prefill what still fits; the rest waits for memory.
                let fits = (allocated + freeBlocks) * budget.blockSize - computed
                chunk = min(chunk, fits)
                if chunk <= 0 { continue }
                needed = budget.blocks(for: computed + chunk) - allocated
            }
            scheduled.append(ScheduledWork(requestID: id, tokenCount: chunk))
            freeBlocks -= max(0, needed)
            tokensLeft -= chunk
            if isRationed { rationLeft -= chunk }
            slotsLeft -= 1
        }
        if slotsLeft == 0 || tokensLeft == 0 { isCut = false }
        return (SchedulePlan(scheduled: scheduled, preempted: preempted), isCut, ration != nil && rationLeft <= 0)
    }
}

/// The rows a packing order indexes.
private protocol PackedRows {
    subscript(k: Int) -> SequenceState { get }
    /// Each running request's position in `order` (by index into `running`; `Int.max` when
    /// unlisted).
    func runningRanks(in order: [Int], running: [SequenceState]) -> (Int) -> Int
}

/// Any rows, matched to the running requests by ID.
private struct ListedRows: PackedRows {
    let states: [SequenceState]

    subscript(k: Int) -> SequenceState {
        _read { yield states[k] }
    }

    func runningRanks(in order: [Int], running: [SequenceState]) -> (Int) -> Int {
        var position: [RequestID: Int] = [:]
        position.reserveCapacity(order.count)
        for (i, k) in order.enumerated() { position[states[k].id] = i }
        return { position[running[$0].id] ?? Int.max }
    }
}

extension SnapshotRows: PackedRows {
    /// Running requests are the first rows: their positions need no lookup by ID.
    fileprivate func runningRanks(in order: [Int], running: [SequenceState]) -> (Int) -> Int {
        var position = [Int](repeating: Int.max, count: running.count)
        for (i, k) in order.enumerated() where k < running.count { position[k] = i }
        return { position[$0] }
    }
}
