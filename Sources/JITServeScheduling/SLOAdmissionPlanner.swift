/// SLOs-Serve's admission control (Chen et al., 2025): a dynamic program over requests in
/// order of their prefill deadlines that admits as many new requests as the token budget, the
/// batch cap and the KV cache allow while every admitted request keeps its stage deadlines.
///
/// Time is counted in iterations from now. Each iteration computes up to `tokensPerIteration`
/// tokens. A request must have its prefill computed by its deadline and afterwards takes
/// `decodeRate` decode tokens (and batch places) per iteration — its TPOT converted into
/// iterations. With prefills served earliest deadline first, every admitted set is feasible when,
/// at each admitted request's deadline `t`, the prefill tokens due by `t` plus the decode tokens
/// consumed by then fit `tokensPerIteration · t`, and the decode rates fit the batch cap.
///
/// The state after the first items is (admitted count, token backlog, decode rate, KV blocks):
/// the backlog `A = Σ prefill − Σ rate·start` makes the check at a later deadline `t` read
/// `A + P + R·t ≤ B·t`. Per admitted count only Pareto-minimal (backlog, rate, blocks) states
/// survive, at most `frontierWidth` of them — the paper's Pareto-pruned DP, kept bounded so one
/// decision stays far below an iteration.
public struct SLOAdmissionPlanner: Sendable {
    /// One request the planner weighs.
    public struct Item: Sendable {
        /// Iterations from now by which its prefill (its first token) must be computed.
        public var dueIterations: Double
        /// Prompt (or recomputed context) tokens still to prefill.
        public var prefillTokens: Double
        /// Decode tokens per iteration it needs once prefilled (≤ 1).
        public var decodeRate: Double
        /// KV blocks it will still claim.
        public var memoryBlocks: Int
        /// Already admitted: kept whatever it costs.
        public var isAdmitted: Bool

        public init(dueIterations: Double, prefillTokens: Double, decodeRate: Double, memoryBlocks: Int, isAdmitted: Bool) {
            self.dueIterations = dueIterations
            self.prefillTokens = prefillTokens
            self.decodeRate = decodeRate
            self.memoryBlocks = memoryBlocks
            self.isAdmitted = isAdmitted
        }
    }

    /// What the replica offers, net of admitted requests that are already decoding.
    public struct Capacity: Sendable {
        public var tokensPerIteration: Double
        /// Batch places per iteration for decodes.
        public var decodeSlots: Double
        /// Decode tokens per iteration the admitted, decoding requests already take.
        public var committedDecodeRate: Double
        /// KV blocks left for the items.
        public var memoryBlocks: Int

        public init(tokensPerIteration: Double, decodeSlots: Double, committedDecodeRate: Double, memoryBlocks: Int) {
            self.tokensPerIteration = tokensPerIteration
            self.decodeSlots = decodeSlots
            self.committedDecodeRate = committedDecodeRate
            self.memoryBlocks = memoryBlocks
        }
    }

    /// Most Pareto states kept per admitted count.
    public var frontierWidth: Int

    public init(frontierWidth: Int = 4) {
        self.frontierWidth = max(1, frontierWidth)
    }

    /// One partial plan: the first items decided.
    struct State {
        /// Admitted requests that will miss their prefill deadline (only forced ones can).
        var late: Int
        var admitted: Int
        var backlog: Double
        var rate: Double
        var memory: Int
        /// Which of the new items it admits, by their ordinal among new items.
        var chosen: UInt64

        func dominates(_ o: State) -> Bool {
            late <= o.late && admitted >= o.admitted && backlog <= o.backlog && rate <= o.rate && memory <= o.memory
        }
    }

    /// The most new items one call weighs: a bit each in a state.
    public static let maxNewItems = 64

    /// Whether each item is admitted. `items` must be in order of `dueIterations`; at most
    /// `maxNewItems` of them may be new (later new items are declined). Admitted items always
    /// stay; the plan admits the most new items without making an admitted one late.
    public func admit(_ items: [Item], capacity: Capacity) -> [Bool] {
        let budget = capacity.tokensPerIteration
        // buckets[k]: states admitting k new items.
        var buckets: [[State]] = [[State(late: 0, admitted: 0, backlog: 0, rate: capacity.committedDecodeRate, memory: 0, chosen: 0)]]
        var ordinals = [Int](repeating: -1, count: items.count)
        var newCount = 0
        for (i, item) in items.enumerated() {
            let t = item.dueIterations
            func fits(_ s: State) -> Bool {
                s.backlog + item.prefillTokens + s.rate * t <= budget * t + 1e-9
                    && s.rate + item.decodeRate <= capacity.decodeSlots + 1e-9
            }
            func adding(_ s: State) -> State {
                var next = s
                next.backlog += item.prefillTokens - item.decodeRate * t
                next.rate += item.decodeRate
                next.memory += item.memoryBlocks
                return next
            }
            if item.isAdmitted {
                for k in buckets.indices {
                    buckets[k] = buckets[k].map { s in
                        var next = adding(s)
                        if !fits(s) { next.late += 1 }
                        return next
                    }
                }
            } else if newCount < Self.maxNewItems {
                ordinals[i] = newCount
                let bit = UInt64(1) << UInt64(newCount)
                newCount += 1
                buckets.append([])
                for k in stride(from: buckets.count - 2, through: 0, by: -1) {
                    for s in buckets[k] where fits(s) && s.memory + item.memoryBlocks <= capacity.memoryBlocks {
                        var next = adding(s)
                        next.admitted += 1
                        next.chosen |= bit
                        buckets[k + 1].append(next)
                    }
                }
                for k in buckets.indices { buckets[k] = prune(buckets[k], at: t) }
                while buckets.count > 1 && buckets[buckets.count - 1].isEmpty { buckets.removeLast() }
            }
        }
        // Fewest late admitted requests first, then the most admitted, then the lightest load.
        var best: State?
        for bucket in buckets {
            for s in bucket {
                guard let b = best else { best = s; continue }
                if s.late != b.late ? s.late < b.late : s.admitted != b.admitted ? s.admitted > b.admitted
                    : s.backlog + s.rate < b.backlog + b.rate {
                    best = s
                }
            }
        }
        let chosen = best?.chosen ?? 0
        return items.indices.map { i in
            items[i].isAdmitted || (ordinals[i] >= 0 && chosen & (UInt64(1) << UInt64(ordinals[i])) != 0)
        }
    }

    /// The Pareto-minimal states, at most `frontierWidth`, lightest load at `t` first.
    private func prune(_ states: [State], at t: Double) -> [State] {
        guard states.count > 1 else { return states }
        var kept: [State] = []
        kept.reserveCapacity(states.count)
        for (i, s) in states.enumerated() {
            var dominated = false
            for (j, o) in states.enumerated() where j != i {
                // Equal states: keep the first only.
                if o.dominates(s) && (!s.dominates(o) || j < i) { dominated = true; break }
            }
            if !dominated { kept.append(s) }
        }
        guard kept.count > frontierWidth else { return kept }
        kept.sort {
            $0.late != $1.late ? $0.late < $1.late
                : ($0.backlog + $0.rate * t, $0.memory) < ($1.backlog + $1.rate * t, $1.memory)
        }
        return Array(kept.prefix(frontierWidth))
    }
}
