/// A candidate a `PartialRanking` can put in order.
protocol Ranked {
    /// The candidate's row: its index into the snapshot's running-then-waiting requests.
    var index: Int { get }
    /// A strict total order (ties must end somewhere unique, such as the request ID): then the
    /// settled prefix of a ranking is exactly the prefix of a full sort.
    static func servedBefore(_ a: Self, _ b: Self) -> Bool
}

/// Candidates in serving order, put in order only as far as someone reads.
///
/// An iteration runs a few hundred requests at most, and under a burst the queue holds ten
/// thousand: sorting all of them every iteration cost GMAX more than everything else it does,
/// and a priority policy (SJF, EDF, LAS) almost all of its time.
/// The first `settledCount` candidates are in `servedBefore` order and rank before all the
/// others; the rest are in no particular order until `settle` reaches them. Because
/// `servedBefore` is a total order (ties end at the request ID), the settled prefix is
/// exactly the prefix of a full sort.
struct PartialRanking<Candidate: Ranked> {
    private(set) var candidates: [Candidate]
    private(set) var settledCount = 0

    init(_ candidates: [Candidate]) {
        self.candidates = candidates
    }

    /// The candidates in serving order so far.
    var settled: ArraySlice<Candidate> { candidates[..<settledCount] }

    /// Packs `snapshot` in this ranking's order, starting from `order` (the settled prefix, or
    /// a reordering of it), and ranks further only while the packer's walk gets past what is
    /// ranked: the plan a full sort would give, from ranking a batch's worth in most iterations.
    mutating func pack(
        startingWith order: [Int], packer: BatchPacker, snapshot: SchedulerSnapshot, ration: TokenRation? = nil
    ) -> SchedulePlan {
        var order = order
        while true {
            // Running requests not ranked yet, after the ranked ones and in order among
            // themselves: where preemption looks for victims.
            let unranked = candidates[settledCount...]
                .filter { $0.index < snapshot.running.count }.sorted(by: Candidate.servedBefore)
            let (plan, isCut, isRationSpent) = packer.pack(
                snapshotOrder: order + unranked.map(\.index), walkLimit: order.count, snapshot: snapshot, ration: ration)
            if !isCut || settledCount == candidates.count { return plan }
            if isRationSpent, let ration {
                // The next walk spends the ration at the same place, so a rationed waiting row
                // not ranked yet would be passed over wherever it ranked: under a burst that is
                // most of the queue (newcomers waiting for memory), and ranking it cost more
                // than the rest of the decision. Running rows stay: preemption takes victims
                // in rank order. (After the first prune this finds nothing left to drop.)
                candidates[settledCount...].removeAll { $0.index >= snapshot.running.count && ration.isRationed[$0.index] }
                if settledCount == candidates.count { return plan }
            }
            let from = settledCount
            settle(max(2 * from, from + 64))
            order += candidates[from..<settledCount].map(\.index)
        }
    }

    /// Puts at least the first `count` candidates (all, when there are fewer) in order.
    mutating func settle(_ count: Int) {
        let target = min(candidates.count, count)
        guard target > settledCount else { return }
        let from = settledCount
        candidates.withUnsafeMutableBufferPointer { buffer in
            Self.select(buffer, from: from, until: target)
            buffer[from..<target].sort(by: Candidate.servedBefore)
        }
        settledCount = target
    }

    /// Moves the `until - from` candidates of `buffer[from...]` that are served first into
    /// `buffer[from..<until]`, in any order (quickselect: median-of-three pivots, and a full
    /// sort of what is left should the pivots keep going wrong).
    private static func select(_ buffer: UnsafeMutableBufferPointer<Candidate>, from: Int, until: Int) {
        var lo = from, hi = buffer.count
        var roundsLeft = 2 * (Int.bitWidth - hi.leadingZeroBitCount) + 8
        while hi - lo > 24 {
            if until <= lo || until >= hi { return }
            roundsLeft -= 1
            if roundsLeft == 0 {
                buffer[lo..<hi].sort(by: Candidate.servedBefore)
                return
            }
            let p = partition(buffer, lo, hi)
            if p == until || p + 1 == until { return }
            if until < p { hi = p } else { lo = p + 1 }
        }
        if until > lo && until < hi { buffer[lo..<hi].sort(by: Candidate.servedBefore) }
    }

    /// Partitions `buffer[lo..<hi]` around a median-of-three pivot: those served before it,
    /// then it (at the index returned), then the rest.
    private static func partition(_ buffer: UnsafeMutableBufferPointer<Candidate>, _ lo: Int, _ hi: Int) -> Int {
        let before = Candidate.servedBefore
        let mid = lo + (hi - lo) / 2, last = hi - 1
        if before(buffer[mid], buffer[lo]) { buffer.swapAt(mid, lo) }
        if before(buffer[last], buffer[lo]) { buffer.swapAt(last, lo) }
        if before(buffer[last], buffer[mid]) { buffer.swapAt(last, mid) }
        // The median is at `mid`; park it at the end while the rest is split.
        buffer.swapAt(mid, last)
        let pivot = buffer[last]
        var store = lo
        for i in lo..<last where before(buffer[i], pivot) {
            buffer.swapAt(i, store)
            store += 1
        }
        buffer.swapAt(store, last)
        return store
    }
}
