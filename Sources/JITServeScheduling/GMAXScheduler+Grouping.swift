extension GMAXScheduler {
    /// Grouped batch composition: of the top M·k candidates, sorted by sequence length, run the
    /// contiguous window of M with the highest summed weight. Similar lengths keep one long
    /// context from stretching every stream's iteration. Candidates are in serving order on
    /// entry; the chosen window keeps that order and the rest follow it.
    func group(_ ordered: [Candidate], batchSize m: Int) -> [Candidate] {
        guard m > 0, ordered.count > m else { return ordered }
        let pool = min(ordered.count, m * max(1, options.groupingFactor))
        let byLength = (0..<pool).sorted {
            let la = ordered[$0].sequenceLength, lb = ordered[$1].sequenceLength
            return la != lb ? la < lb : $0 < $1
        }
        // Urgent requests outweigh any number of the others: grouping never drops one for
        // the sake of length similarity when a window can hold it.
        let weights = byLength.map { i -> Double in
            let c = ordered[i]
            switch c.tier {
            case .urgent: return 1e9 + c.density
            case .ahead: return 1e3 / (1 + max(0, c.laxity))
            case .hopeless: return min(c.density, 1)
            }
        }
        var windowSum = weights[0..<m].reduce(0, +)
        var best = windowSum, bestStart = 0
        if pool > m {
            for start in 1...(pool - m) {
                windowSum += weights[start + m - 1] - weights[start - 1]
                if windowSum > best { best = windowSum; bestStart = start }
            }
        }
        var chosen = [Bool](repeating: false, count: ordered.count)
        for i in byLength[bestStart..<(bestStart + m)] { chosen[i] = true }
        var result: [Candidate] = []
        result.reserveCapacity(ordered.count)
        for (i, c) in ordered.enumerated() where chosen[i] { result.append(c) }
        for (i, c) in ordered.enumerated() where !chosen[i] { result.append(c) }
        return result
    }
}
