import JITServeCore

/// A zero-cost executor: no model and no compute time. Each sequence's output cycles through a
/// fixed token sequence; it stops after `stopAfter` tokens (end-of-sequence, unless the request
/// says `ignore_eos`, and never before `min_tokens`) or at `max_tokens`.
///
/// For the HTTP tests, the end-to-end test and the streaming benchmark: it shows what the server
/// itself costs, since the executor costs nothing. Its text is not a model's answer.
public final class EchoExecutor: Executor {
    public let blockSize: Int
    public let kvBlockCapacity: Int
    public let swapBlockCapacity = 0
    public let maxModelLength: Int
    /// The output token sequence, repeated.
    public let pattern: [Int32]
    public let endOfSequence: Int32
    public let stopAfter: Int?
    /// Modelled time of every iteration (the live engine waits it out, as for a simulated GPU);
    /// zero by default: no compute cost at all.
    public let iterationTime: Duration

    /// The default output: ASCII text, so that byte tokens decode to readable words.
    public static let defaultText = "The quick brown fox jumps over the lazy dog. "

    public init(
        pattern: [Int32] = ByteCodec().encode(.content(EchoExecutor.defaultText)),
        endOfSequence: Int32 = ByteCodec.endOfSequence,
        stopAfter: Int? = nil, maxModelLength: Int = 4096, blockSize: Int = 16, kvBlockCapacity: Int = 8192,
        iterationTime: Duration = .zero
    ) {
        precondition(!pattern.isEmpty, "EchoExecutor needs a non-empty pattern")
        self.pattern = pattern
        self.endOfSequence = endOfSequence
        self.stopAfter = stopAfter
        self.maxModelLength = maxModelLength
        self.blockSize = blockSize
        self.kvBlockCapacity = kvBlockCapacity
        self.iterationTime = iterationTime
    }

    public func execute(_ batch: ExecutionBatch) throws -> ExecutionOutcome {
        var tokens: [GeneratedToken] = []
        tokens.reserveCapacity(batch.sequences.count)
        for sequence in batch.sequences where sequence.samplesToken {
            let index = sequence.generatedTokenCount
            let stops = stopAfter.map { index + 1 >= max($0, sequence.sampling.minTokens) } ?? false
            if stops && !sequence.sampling.ignoreEOS {
                tokens.append(GeneratedToken(requestID: sequence.requestID, tokenID: endOfSequence, isEndOfSequence: true))
            } else {
                tokens.append(GeneratedToken(
                    requestID: sequence.requestID, tokenID: pattern[index % pattern.count], isEndOfSequence: false))
            }
        }
        return ExecutionOutcome(tokens: tokens, elapsed: iterationTime)
    }

    public func release(_ requestID: RequestID) {}
}
