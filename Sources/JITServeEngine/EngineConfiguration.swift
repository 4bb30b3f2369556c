/// How a preempted request gives up its device KV.
public enum PreemptionMode: String, CaseIterable, Sendable {
    /// Free the blocks; prefill prompt and generated tokens again on resumption.
    case recompute
    /// Copy the blocks to host memory over the host link and back on resumption; falls back to
    /// recompute when host space runs out.
    case swap
}

/// Engine limits and behaviour.
public struct EngineConfiguration: Sendable {
    /// Tokens computed per iteration, over all sequences (`max_num_batched_tokens`).
    public var maxBatchedTokens: Int
    /// Sequences per iteration (`max_num_seqs`).
    public var maxRunning: Int
    public var preemptionMode: PreemptionMode
    /// Weight of the newest iteration in the running average of iteration time.
    public var iterationTimeSmoothing: Double

    public init(
        maxBatchedTokens: Int = 2048, maxRunning: Int = 256, preemptionMode: PreemptionMode = .recompute,
        iterationTimeSmoothing: Double = 0.2
    ) {
        self.maxBatchedTokens = maxBatchedTokens
        self.maxRunning = maxRunning
        self.preemptionMode = preemptionMode
        self.iterationTimeSmoothing = iterationTimeSmoothing
    }
}
