import JITServeCore
import JITServeEngine

/// The simulated GPU: iteration times from a `LatencyModel`, tokens from the trace.
///
/// It has no weights and no text. Each request's true output length comes from the trace through
/// `register(_:outputTokenCount:)` and stays on this side of the executor contract: the engine and
/// its scheduler learn a request has ended only when the token that ends it arrives.
public final class SimulatedExecutor: Executor {
    public let profile: HardwareProfile
    public let latencyModel: LatencyModel
    /// Token ID every simulated token carries (there is no vocabulary).
    public static let tokenID: Int32 = 0

    private var outputTokenCounts: [RequestID: Int] = [:]

    public init(profile: HardwareProfile) {
        self.profile = profile
        latencyModel = LatencyModel(profile: profile)
    }

    public var blockSize: Int { profile.blockSize }
    public var kvBlockCapacity: Int { profile.kvBlockCapacity }
    public var swapBlockCapacity: Int { profile.swapBlockCapacity }
    public var maxModelLength: Int { min(profile.model.maxModelLength, profile.kvCapacityTokens) }

    /// Tells the executor how many tokens the trace says `id` generates; the token at that count
    /// carries `isEndOfSequence`. Registering again replaces the length.
    public func register(_ id: RequestID, outputTokenCount: Int) {
        outputTokenCounts[id] = outputTokenCount
    }

    /// The registered output length of `id`, if any.
    public func outputTokenCount(of id: RequestID) -> Int? { outputTokenCounts[id] }

    public func execute(_ batch: ExecutionBatch) throws -> ExecutionOutcome {
        var tokens: [GeneratedToken] = []
        tokens.reserveCapacity(batch.sequences.count)
        for sequence in batch.sequences where sequence.samplesToken {
            // An unregistered request never stops on its own; the engine's max-tokens cap ends it.
            let target = outputTokenCounts[sequence.requestID] ?? Int.max
            let isEnd = sequence.generatedTokenCount + 1 >= target
            if isEnd { outputTokenCounts[sequence.requestID] = nil }
            tokens.append(GeneratedToken(requestID: sequence.requestID, tokenID: Self.tokenID, isEndOfSequence: isEnd))
        }
        return ExecutionOutcome(tokens: tokens, elapsed: latencyModel.iterationTime(for: batch))
    }

    /// Keeps the registered length: the engine also releases a request it preempts by recompute,
    /// and that request must still stop at its true length when it runs again. The length is
    /// dropped when its stop token is produced, or by `unregister(_:)` (cancellation).
    public func release(_ requestID: RequestID) {}

    /// Forgets `id`'s registered length (a cancelled request that will never run again).
    public func unregister(_ id: RequestID) {
        outputTokenCounts[id] = nil
    }

    /// Requests registered and not yet stopped or unregistered.
    public var registeredCount: Int { outputTokenCounts.count }
}
