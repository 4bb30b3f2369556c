import JITServeCore

/// One request's share of an iteration, as the executor sees it.
public struct ScheduledSequence: Sendable {
    public var requestID: RequestID
    /// Tokens whose KV this iteration computes (a prefill chunk, a recompute, or 1 for decode).
    public var tokenCount: Int
    /// Tokens already in the KV cache before this iteration (the attention context).
    public var computedTokenCount: Int
    /// True when this iteration reaches the end of the known tokens, so a new token is sampled.
    public var samplesToken: Bool
    /// Prompt followed by generated tokens; empty when the request has no token IDs (simulation).
    public var tokenIDs: [Int32]
    /// Physical KV block indices, in order, covering at least `computedTokenCount + tokenCount`.
    public var blockTable: [Int32]
    /// Number of tokens generated before this iteration.
    public var generatedTokenCount: Int
    public var sampling: SamplingParameters

    public init(
        requestID: RequestID, tokenCount: Int, computedTokenCount: Int, samplesToken: Bool,
        tokenIDs: [Int32] = [], blockTable: [Int32] = [], generatedTokenCount: Int = 0,
        sampling: SamplingParameters = .greedy
    ) {
        self.requestID = requestID
        self.tokenCount = tokenCount
        self.computedTokenCount = computedTokenCount
        self.samplesToken = samplesToken
        self.tokenIDs = tokenIDs
        self.blockTable = blockTable
        self.generatedTokenCount = generatedTokenCount
        self.sampling = sampling
    }
}

/// Everything one iteration asks of the executor.
public struct ExecutionBatch: Sendable {
    public var sequences: [ScheduledSequence]
    /// KV blocks copied host→device before the iteration (resuming swapped requests).
    public var swapInBlockCount: Int
    /// KV blocks copied device→host (requests preempted by swap).
    public var swapOutBlockCount: Int
    /// Device blocks to copy before the forward pass, in order (a block may be one copy's
    /// source and, evicted, a later one's destination): each gives a request the KV of a
    /// cached prefix that ends part-way into a block.
    public var blockCopies: [KVBlockCopy]

    public init(
        sequences: [ScheduledSequence], swapInBlockCount: Int = 0, swapOutBlockCount: Int = 0,
        blockCopies: [KVBlockCopy] = []
    ) {
        self.sequences = sequences
        self.swapInBlockCount = swapInBlockCount
        self.swapOutBlockCount = swapOutBlockCount
        self.blockCopies = blockCopies
    }

    /// Tokens computed this iteration, over all sequences.
    public var tokenCount: Int { sequences.reduce(0) { $0 + $1.tokenCount } }
}

/// A token an executor produced for one sequence: an ID, and whether the model (or the trace)
/// ended the response with it. Text is not the executor's business: the engine's `Detokenizer`
/// makes it.
public struct GeneratedToken: Sendable {
    public var requestID: RequestID
    public var tokenID: Int32
    /// End-of-sequence (not overridden by `ignore_eos`). The token itself is still delivered.
    public var isEndOfSequence: Bool
    /// The token's log-probability and the most likely alternatives, when the request asked
    /// (`SamplingParameters.logprobCount`) and the executor has a model.
    public var logprobs: TokenLogprobs?

    public init(requestID: RequestID, tokenID: Int32, isEndOfSequence: Bool, logprobs: TokenLogprobs? = nil) {
        self.requestID = requestID
        self.tokenID = tokenID
        self.isEndOfSequence = isEndOfSequence
        self.logprobs = logprobs
    }
}

/// What an iteration produced and how long it took.
public struct ExecutionOutcome: Sendable {
    /// One entry per sequence whose `samplesToken` was true.
    public var tokens: [GeneratedToken]
    /// Modelled (simulation) or measured (real executor) iteration time.
    public var elapsed: Duration
    /// Log-probabilities of prompt tokens computed this iteration, for requests that asked
    /// (`SamplingParameters.promptLogprobCount`).
    public var promptLogprobs: [PromptLogprobs]

    public init(tokens: [GeneratedToken], elapsed: Duration, promptLogprobs: [PromptLogprobs] = []) {
        self.tokens = tokens
        self.elapsed = elapsed
        self.promptLogprobs = promptLogprobs
    }
}

/// Runs iterations: the simulated GPU, or a real model on the CPU (DESIGN §7).
///
/// The engine owns the KV block tables; the executor owns the memory they index and says how
/// much there is. Executors are driven by one engine at a time, from one thread.
public protocol Executor: AnyObject {
    /// KV tokens per block.
    var blockSize: Int { get }
    /// Device KV blocks available to the block manager.
    var kvBlockCapacity: Int { get }
    /// Host KV blocks for swap preemption (0 disables swapping).
    var swapBlockCapacity: Int { get }
    /// Longest sequence (prompt + output) the model accepts.
    var maxModelLength: Int { get }

    /// Runs one iteration.
    func execute(_ batch: ExecutionBatch) throws -> ExecutionOutcome

    /// Forgets per-request state of a finished, cancelled or recompute-preempted request.
    func release(_ requestID: RequestID)
}
