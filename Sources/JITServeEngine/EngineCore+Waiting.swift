import JITServeCore
import JITServeScheduling

/// The waiting queue and its scheduler rows, kept index for index.
///
/// A request's row does not change while it waits: nothing runs it, it holds no device KV, and
/// its SLO and length estimate are fixed at arrival. So `waitingRows` is built once per request,
/// when it joins the queue, and every snapshot shares the array instead of copying ten thousand
/// rows (and retaining each row's length distribution) every iteration: under a burst, building
/// those rows cost a simulated run more than half its time. The one thing that can change under
/// a waiting request is the prefix cache, which `refreshPrefixCachedRows` reads again.
extension EngineCore {
    /// Queues `s` in arrival order (a preempted request returns to its place in line), with its row.
    func insertWaiting(_ s: EngineSequence) {
        let index = waitingInsertionIndex(arrivedAt: s.request.arrivedAt, id: s.id)
        waiting.insert(s, at: index)
        waitingRows.insert(row(of: s), at: index)
        if s.usesPrefixCache { waitingPrefixCacheUserCount += 1 }
    }

    /// Takes `sequences` (each in `waiting`, each once) out of the queue and their rows with them.
    func removeFromWaiting(_ sequences: [EngineSequence]) {
        guard !sequences.isEmpty else { return }
        var indices: [Int] = []
        indices.reserveCapacity(sequences.count)
        for s in sequences {
            guard let i = waitingIndex(of: s) else { continue }
            indices.append(i)
            if s.usesPrefixCache { waitingPrefixCacheUserCount -= 1 }
        }
        indices.sort()
        waiting.remove(atSortedIndices: indices)
        waitingRows.remove(atSortedIndices: indices)
    }

    /// Builds again the rows of `sequences` that are still waiting: an admission that failed
    /// part-way may have moved their KV (swapped in, or claimed and freed a cached prefix).
    func refreshWaitingRows(of sequences: [EngineSequence]) {
        for s in sequences where !s.isRunning {
            if let i = waitingIndex(of: s) { waitingRows[i] = row(of: s) }
        }
    }

    /// Shows each waiting request that may start after a cached prefix with the prefix the
    /// cache holds now: blocks are cached and evicted every iteration.
    func refreshPrefixCachedRows() {
        guard waitingPrefixCacheUserCount > 0, blocks.isPrefixCachingEnabled else { return }
        for i in waiting.indices where waiting[i].usesPrefixCache {
            waitingRows[i] = row(of: waiting[i])
        }
    }

    /// Where `s` sits in `waiting`, by binary search on (arrival, ID), the queue's order.
    func waitingIndex(of s: EngineSequence) -> Int? {
        let i = waitingInsertionIndex(arrivedAt: s.request.arrivedAt, id: s.id)
        if i < waiting.count, waiting[i] === s { return i }
        // Not where its key says: only if the order was broken, which the search cannot see.
        assertionFailure("request \(s.id) is not at its place in the waiting queue")
        return waiting.firstIndex { $0 === s }
    }

    /// The first index whose row comes at or after (arrivedAt, id); read from the rows, which
    /// lie contiguous in memory, rather than from each sequence object.
    private func waitingInsertionIndex(arrivedAt: Instant, id: RequestID) -> Int {
        let key = (arrivedAt, id)
        if let last = waitingRows.last, (last.arrivedAt, last.id) < key { return waitingRows.count }
        var lo = 0, hi = waitingRows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (waitingRows[mid].arrivedAt, waitingRows[mid].id) < key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func promoteToRunning(_ scheduled: [EngineSequence]) {
        let fromWaiting = scheduled.filter { !$0.isRunning }
        guard !fromWaiting.isEmpty else { return }
        removeFromWaiting(fromWaiting)
        for s in fromWaiting { s.isRunning = true }
        running.append(contentsOf: fromWaiting)
    }
}

extension EngineCore {
    /// True when every waiting row is what `row(of:)` builds now (a prefix-cache user's cached
    /// prefix aside: the next snapshot reads it again) and the cache users are counted right:
    /// for tests, never on the iteration path.
    func waitingRowsAreCurrent() -> Bool {
        guard waiting.count == waitingRows.count,
              waitingPrefixCacheUserCount == waiting.filter(\.usesPrefixCache).count
        else { return false }
        for (s, kept) in zip(waiting, waitingRows) {
            let now = row(of: s)
            guard kept.id == now.id, kept.generatedTokenCount == now.generatedTokenCount,
                  kept.allocatedBlockCount == now.allocatedBlockCount, kept.isSwapped == now.isSwapped,
                  kept.preemptionCount == now.preemptionCount, kept.attainedServiceTokens == now.attainedServiceTokens,
                  s.usesPrefixCache || kept.computedTokenCount == now.computedTokenCount
            else { return false }
        }
        return true
    }
}
