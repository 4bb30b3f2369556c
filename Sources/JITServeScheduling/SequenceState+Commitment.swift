import JITServeCore

extension SequenceState {
    /// Served before (prefilled in part, decoding, preempted or swapped out): a policy that
    /// admits work has decided on it already.
    public var hasStarted: Bool {
        generatedTokenCount > 0 || attainedServiceTokens > 0 || holdsKV || isSwapped || preemptionCount > 0
    }

    /// KV blocks the request will still claim: its context grown by the expected remaining output
    /// (the sum of expectations tracks the total; summing conservative bounds would reserve
    /// memory that is almost never used), less what it holds.
    public func expectedBlockClaim(in budget: BatchBudget) -> Int {
        let expected = min(Double(maxOutputTokens), length.expectedLength(generated: generatedTokenCount))
        let finalLength = knownTokenCount + max(0, Int(expected.rounded(.up)) - generatedTokenCount)
        return max(0, budget.blocks(for: finalLength) - allocatedBlockCount)
    }
}
