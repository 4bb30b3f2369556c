import JITServeCore

extension GMAXScheduler {
    /// Bounded ranking: which rows get an exact rank this iteration.
    ///
    /// One iteration runs at most `maxRunning` requests, so only what can run soon needs an
    /// exact rank. Every running request is ranked (it holds KV; the TBT guard and preemption
    /// read its standing). Of the waiting ones, when there are more than the bound, only the
    /// `rankedWaitingLimit(budget)` with the least slack are ranked — seconds left until the
    /// next milestone less the time to reach it (prefill iterations, and for a deadline the
    /// length bound), the laxity `SLOTracker` computes, from a few field reads and one bound
    /// lookup — together with every call of a workflow one of them belongs to (a workflow shares
    /// one density). A deadline that even the expected length cannot make is hopeless and is
    /// chosen last. The rest follow, in arrival order, after every ranked request; when the
    /// packer reaches into them (spare capacity), `schedule` ranks the whole queue instead.
    ///
    /// Among more urgent requests than the bound, the exact order goes by density and this
    /// keeps the least slack, so the batch can differ then; otherwise it is the exact one
    /// (`GMAXSelectionTests`).
    ///
    /// - Returns: the rows to rank, and the rows that follow them unranked.
    func selection(_ rows: SnapshotRows, snapshot: SchedulerSnapshot) -> (ranked: [Int], unranked: [Int]) {
        let running = rows.runningCount
        let waiting = rows.count - running
        let limit = rankedWaitingLimit(snapshot.budget)
        guard options.boundedRanking, waiting > limit else { return (Array(0..<rows.count), []) }
        let tau = max(snapshot.iterationSeconds, 1e-4)
        let now = snapshot.now.seconds
        let chunk = Double(max(1, snapshot.budget.maxBatchedTokens))
        let quantile = options.quantile
        var keys = [Double](repeating: 0, count: waiting)
        rows.waiting.withUnsafeBufferPointer { queue in
            for i in 0..<waiting {
                let prefill = queue[i].pendingTokenCount > 1 ? (Double(queue[i].pendingTokenCount) / chunk).rounded(.up) : 0
                switch queue[i].slo {
                case .latency:
                    keys[i] = queue[i].due.dueSeconds(queue[i].generatedTokenCount) - now - max(1, prefill) * tau
                case .deadline, .compound:
                    let due = queue[i].workflowID.flatMap { snapshot.workflows[$0]?.currentStageDueAt.seconds } ?? queue[i].due.first
                    let generated = queue[i].generatedTokenCount
                    let bound = max(1, queue[i].outputBound(quantile: quantile) - generated)
                    let expected = max(1, queue[i].length.expectedLength(generated: generated) - Double(generated))
                    let left = queue[i].due.first - now
                    // Past hope by its own deadline (not a guessed stage's): after every other.
                    keys[i] = left < 0.99 * (prefill + expected) * tau && queue[i].workflowID == nil
                        ? .greatestFiniteMagnitude : due - now - (prefill + Double(bound)) * tau
                }
            }
        }
        let nearest = Self.smallest(limit, of: keys)
        var chosen = [Bool](repeating: false, count: waiting)
        var workflows: Set<WorkflowID> = []
        for i in nearest {
            chosen[i] = true
            if let wf = rows.waiting[i].workflowID { workflows.insert(wf) }
        }
        // A running workflow's waiting calls join it, as do the other calls of a chosen one.
        for r in 0..<running { if let wf = rows.running[r].workflowID { workflows.insert(wf) } }
        var ranked = Array(0..<running)
        ranked.reserveCapacity(running + limit)
        var unranked: [Int] = []
        unranked.reserveCapacity(waiting - limit)
        for i in 0..<waiting {
            if !chosen[i], !workflows.isEmpty, let wf = rows.waiting[i].workflowID, workflows.contains(wf) { chosen[i] = true }
            if chosen[i] { ranked.append(running + i) } else { unranked.append(running + i) }
        }
        return (ranked, unranked)
    }

    /// Waiting requests ranked exactly: several batches' worth — the grouping pool (M·k) twice
    /// over — and never fewer than 256.
    func rankedWaitingLimit(_ budget: BatchBudget) -> Int {
        max(256, 2 * max(1, options.groupingFactor) * budget.maxRunning)
    }

    /// Indices of the `k` smallest of `keys` (ties to the lower index), in no particular order:
    /// quickselect, linear on average, where a full sort of a long queue is what we avoid.
    static func smallest(_ k: Int, of keys: [Double]) -> [Int] {
        var index = Array(keys.indices)
        guard k < index.count else { return index }
        func before(_ a: Int, _ b: Int) -> Bool { keys[a] != keys[b] ? keys[a] < keys[b] : a < b }
        var lo = 0, hi = index.count - 1
        while lo < hi {
            // Median of three as pivot keeps sorted or reversed queues linear.
            let mid = (lo + hi) / 2
            if before(index[mid], index[lo]) { index.swapAt(mid, lo) }
            if before(index[hi], index[lo]) { index.swapAt(hi, lo) }
            if before(index[hi], index[mid]) { index.swapAt(hi, mid) }
            let pivot = index[mid]
            var i = lo, j = hi
            while i <= j {
                while before(index[i], pivot) { i += 1 }
                while before(pivot, index[j]) { j -= 1 }
                if i <= j { index.swapAt(i, j); i += 1; j -= 1 }
            }
            if k - 1 <= j { hi = j } else if k - 1 >= i { lo = i } else { break }
        }
        return Array(index[0..<k])
    }
}
