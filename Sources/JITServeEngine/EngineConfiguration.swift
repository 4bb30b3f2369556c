/// How a preempted request gives up its device KV.
public enum PreemptionMode: String, CaseIterable, Sendable {
    /// Free the blocks; prefill prompt and generated tokens again on resumption.
    case recompute
    /// Copy the blocks to host memory over the host link and back on resumption; falls back to
    /// recompute when host space runs out.
    case swap
}

/// Engine limits and behaviour.
public struct EngineConfiguration: Hashable, Sendable {
    /// Tokens computed per iteration, over all sequences (vLLM's `max_num_batched_tokens`).
    public var maxBatchedTokens: Int
    /// Sequences per iteration (vLLM's `max_num_seqs`).
    public var maxRunning: Int
    public var preemptionMode: PreemptionMode
    /// Weight of the newest iteration in the running average of iteration time.
    public var iterationTimeSmoothing: Double
    /// Refuse a request whose prompt plus output cap exceeds the model's context, as vLLM's
    /// API does (`max_tokens` too large), instead of running it until the context is full and
    /// ending it with `length`, as a trace replay wants.
    public var rejectsOutputBeyondContext: Bool
    /// A workflow with no call held is forgotten once both its deadline and its last call lie
    /// this far in the past (`EngineCore.expireIdleWorkflows`): a client that never marks a
    /// last call cannot make the engine's workflow maps grow for good.
    public var workflowIdleTimeout: Duration
    /// Sheds a request at arrival when the queue is full or its SLO cannot be met (nil: takes
    /// every request). The server asks it before a request enters the live engine, the
    /// simulator at each simulated arrival: one rule, one setting, in both worlds. Off unless
    /// set, and off by default on the command line too (`--admission`, `--max-waiting`).
    public var admission: AdmissionControl?
    /// Automatic prefix caching (vLLM's `enable_prefix_caching`): full KV blocks of finished and
    /// running requests stay indexed by their tokens, and a request whose prompt starts with
    /// them prefills only the rest. Only requests with token IDs take part (trace replay has
    /// none). Off here; the command line turns it on by default.
    public var enablePrefixCaching: Bool

    public init(
        maxBatchedTokens: Int = 2048, maxRunning: Int = 256, preemptionMode: PreemptionMode = .recompute,
        iterationTimeSmoothing: Double = 0.2, rejectsOutputBeyondContext: Bool = false,
        workflowIdleTimeout: Duration = .seconds(30), admission: AdmissionControl? = nil,
        enablePrefixCaching: Bool = false
    ) {
        self.maxBatchedTokens = maxBatchedTokens
        self.maxRunning = maxRunning
        self.preemptionMode = preemptionMode
        self.iterationTimeSmoothing = iterationTimeSmoothing
        self.rejectsOutputBeyondContext = rejectsOutputBeyondContext
        self.workflowIdleTimeout = workflowIdleTimeout
        self.admission = admission
        self.enablePrefixCaching = enablePrefixCaching
    }
}
