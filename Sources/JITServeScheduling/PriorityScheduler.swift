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
        // Rows are read in place and indices sorted by plain numbers, never copying a row: a row
        // is large (a copy retains its length distribution) and the queue can hold thousands.
        let rows = SnapshotRows(snapshot)
        var keys = [Double](repeating: 0, count: rows.count)
        var arrivals = [Double](repeating: 0, count: rows.count)
        var ids = [UInt64](repeating: 0, count: rows.count)
        for i in 0..<rows.count {
            keys[i] = key(rows[i], snapshot)
            arrivals[i] = rows[i].arrivedAt.seconds
            ids[i] = rows[i].id.rawValue
        }
        func before(_ a: Int, _ b: Int) -> Bool {
            if keys[a] != keys[b] { return keys[a] < keys[b] }
            if arrivals[a] != arrivals[b] { return arrivals[a] < arrivals[b] }
            return ids[a] < ids[b]
        }
        let packer = BatchPacker(chunkedPrefill: true)
        // Only the head of the order decides a plan: sort every running request and the best
        // few batches of waiting ones; widen when the packer reads past what is certainly in
        // place. Same plan as sorting the whole queue (`PrioritySchedulerTests`).
        let running = rows.runningCount
        var head = max(256, 4 * snapshot.budget.maxRunning)
        while true {
            let waitingRows = Array(running..<rows.count)
            guard waitingRows.count > head else {
                var order = Array(0..<rows.count)
                order.sort(by: before)
                return packer.pack(order: order, rows: rows, snapshot: snapshot)
            }
            let chosen = Self.smallest(head, of: waitingRows, by: before)
            var isChosen = [Bool](repeating: false, count: rows.count)
            for i in chosen { isChosen[i] = true }
            // Up to the worst chosen waiting request this order is the full one; past it, the
            // unchosen (all ranked after it) would interleave with the running ranked after it.
            var worst = chosen[0]
            for i in chosen where before(worst, i) { worst = i }
            var order = Array(0..<running) + chosen
            order.sort(by: before)
            let inPlace = (order.firstIndex(of: worst) ?? order.count) + 1
            order.append(contentsOf: waitingRows.lazy.filter { !isChosen[$0] })
            let (plan, reach) = packer.packReaching(order: order, rows: rows, snapshot: snapshot)
            if reach <= inPlace { return plan }
            head *= 4
        }
    }

    /// The `k` elements of `items` first by `before` (in no particular order): quickselect.
    static func smallest(_ k: Int, of items: [Int], by before: (Int, Int) -> Bool) -> [Int] {
        var items = items
        guard k < items.count else { return items }
        var lo = 0, hi = items.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if before(items[mid], items[lo]) { items.swapAt(mid, lo) }
            if before(items[hi], items[lo]) { items.swapAt(hi, lo) }
            if before(items[hi], items[mid]) { items.swapAt(hi, mid) }
            let pivot = items[mid]
            var i = lo, j = hi
            while i <= j {
                while before(items[i], pivot) { i += 1 }
                while before(pivot, items[j]) { j -= 1 }
                if i <= j { items.swapAt(i, j); i += 1; j -= 1 }
            }
            if k - 1 <= j { hi = j } else if k - 1 >= i { lo = i } else { break }
        }
        return Array(items[0..<k])
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
