import JITServeCore

/// The limits of one iteration.
public struct BatchBudget: Sendable {
    /// Tokens computed per iteration, over all sequences (`max_num_batched_tokens`).
    public var maxBatchedTokens: Int
    /// Sequences per iteration (`max_num_seqs`).
    public var maxRunning: Int
    public var blockSize: Int
    public var freeBlockCount: Int

    public init(maxBatchedTokens: Int, maxRunning: Int, blockSize: Int, freeBlockCount: Int) {
        self.maxBatchedTokens = maxBatchedTokens
        self.maxRunning = maxRunning
        self.blockSize = blockSize
        self.freeBlockCount = freeBlockCount
    }

    /// Blocks needed to hold `tokens` tokens.
    public func blocks(for tokens: Int) -> Int { (tokens + blockSize - 1) / blockSize }
}

/// Everything a policy sees when it plans an iteration. Plain data: a policy's decision is a
/// pure function of it (DESIGN §2), so every policy is testable from a hand-built table.
public struct SchedulerSnapshot: Sendable {
    public var now: Instant
    /// Requests holding device KV (running; some may sit idle this iteration), oldest first.
    public var running: [SequenceState]
    /// Requests without device KV: new, recompute-preempted or swapped out; by arrival.
    public var waiting: [SequenceState]
    public var budget: BatchBudget
    /// Recent measured (or modelled) iteration time, seconds: converts tokens into time.
    public var iterationSeconds: Double
    /// Estimates of running workflows, from the workflow analyzer (or an oracle).
    public var workflows: [WorkflowID: WorkflowEstimate]
    /// Tokens computed for each workflow's calls so far.
    public var workflowServiceTokens: [WorkflowID: Int]

    public init(
        now: Instant, running: [SequenceState], waiting: [SequenceState], budget: BatchBudget,
        iterationSeconds: Double, workflows: [WorkflowID: WorkflowEstimate] = [:],
        workflowServiceTokens: [WorkflowID: Int] = [:]
    ) {
        self.now = now
        self.running = running
        self.waiting = waiting
        self.budget = budget
        self.iterationSeconds = iterationSeconds
        self.workflows = workflows
        self.workflowServiceTokens = workflowServiceTokens
    }
}
