extension GMAXScheduler {
    /// The prefill ration of lost requests (`Options.hopelessPrefillShare`; lost: hopeless
    /// against their final due time, `Candidate.isLost`) and of newcomers deferred while the
    /// cache is committed (`Candidate.waitsForMemory`), or nil when nothing is rationed: the
    /// option is off, nobody is lost and prefilling or waiting for memory, or nobody is
    /// hopeful, and then best effort is all there is to serve.
    ///
    /// Lost work earns nothing, yet packed after everyone else it still fills the token budget
    /// with prompts, and on a GPU an iteration's time follows its prefill tokens: on 8B H100,
    /// 2,048 of them take seven times a decode step. Every request that can still make its SLO
    /// then runs at that slower step. Decodes stay unrationed: one token each costs little, and
    /// finishing frees memory. The ration is a share, not zero, so that a request given up on by
    /// an estimate still moves, and its client is answered in the end.
    func prefillRation(_ candidates: [Candidate], budget: BatchBudget) -> TokenRation? {
        guard let share = options.hopelessPrefillShare else { return nil }
        var isRationed: [Bool]?
        var anyHopeful = false
        for c in candidates {
            if c.tier != .hopeless { anyHopeful = true }
            guard c.isRationed else { continue }
            if isRationed == nil { isRationed = [Bool](repeating: false, count: candidates.count) }
            isRationed?[c.index] = true
        }
        guard anyHopeful, let isRationed else { return nil }
        return TokenRation(isRationed: isRationed, tokens: Int(share * Double(budget.maxBatchedTokens)))
    }
}
