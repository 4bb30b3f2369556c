extension GMAXScheduler {
    /// Grouped batch composition: urgent requests always run; of the next candidates (the top
    /// M·k overall), sorted by sequence length, the contiguous window that fills the batch's
    /// other places with the highest summed weight joins them. Similar lengths keep one long
    /// context from stretching every stream's iteration, but never at the price of a request
    /// that must run now: when urgent ones alone fill the batch, it is served in rank order.
    /// Candidates are in serving order (urgent first) on entry; the chosen keep that order and
    /// the rest follow it.
    func group(_ ordered: [Candidate], batchSize m: Int) -> [Candidate] {
        let urgent = ordered.prefix { $0.tier == .urgent }.count
        let slots = m - urgent
        let pool = min(ordered.count, m * max(1, options.groupingFactor))
        guard slots > 0, pool - urgent > slots else { return ordered }
        let byLength = (urgent..<pool).sorted {
            let la = ordered[$0].sequenceLength, lb = ordered[$1].sequenceLength
            return la != lb ? la < lb : $0 < $1
        }
        // Requests ahead of schedule outweigh any number of hopeless ones, least laxity most.
        let weights = byLength.map { i -> Double in
            let c = ordered[i]
            return c.tier == .ahead ? 1e3 / (1 + max(0, c.laxity)) : min(c.density, 1)
        }
        var windowSum = weights[0..<slots].reduce(0, +)
        var best = windowSum, bestStart = 0
        if byLength.count > slots {
            for start in 1...(byLength.count - slots) {
                windowSum += weights[start + slots - 1] - weights[start - 1]
                if windowSum > best { best = windowSum; bestStart = start }
            }
        }
        var chosen = [Bool](repeating: false, count: ordered.count)
        for i in 0..<urgent { chosen[i] = true }
        for i in byLength[bestStart..<(bestStart + slots)] { chosen[i] = true }
        var result: [Candidate] = []
        result.reserveCapacity(ordered.count)
        for (i, c) in ordered.enumerated() where chosen[i] { result.append(c) }
        for (i, c) in ordered.enumerated() where !chosen[i] { result.append(c) }
        return result
    }
}
