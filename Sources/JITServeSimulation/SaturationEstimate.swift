import JITServeCore
import JITServeEngine

/// The arrival rate that saturates one replica: what a workload asks per arrival (prompt and
/// output tokens, as `jitserve workload` counts them) against what the profile's latency model
/// says one replica delivers at the engine's limits.
///
/// - Decode: a full batch of `min(maxRunning, sequences the KV cache holds at the workload's
///   mean context)` decodes, each at the mean context (prompt + half the output), gives
///   `batch / iteration time` output tokens per second.
/// - Prefill: iterations of `maxBatchedTokens` prompt tokens at the mean prompt length.
///
/// An arrival costs `output / decode rate + prompt / prefill rate` seconds of the replica, and the
/// saturating rate is its inverse: a first-order figure (decodes and prefill chunks share
/// iterations in a real batch; SLOs are ignored) that places a sweep's ½×, 1×, 2× points where
/// the load is light, at capacity, and twice past it, on any GPU and batch cap alike.
public struct SaturationEstimate: Sendable, Codable {
    /// Mean tokens per arrival (a workflow counts once, with all its calls).
    public var promptTokensPerArrival: Double
    public var outputTokensPerArrival: Double
    /// Sequences a full decode iteration runs.
    public var decodeBatch: Int
    /// Output tokens per second of a full decode batch, and prompt tokens per second of full
    /// prefill iterations.
    public var decodeTokensPerSecond: Double
    public var prefillTokensPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case promptTokensPerArrival = "prompt_tokens_per_arrival", outputTokensPerArrival = "output_tokens_per_arrival"
        case decodeBatch = "decode_batch", decodeTokensPerSecond = "decode_tok_per_s", prefillTokensPerSecond = "prefill_tok_per_s"
    }

    /// - Parameter workload: a sample of the workload (any rate: the per-arrival demand of a
    ///   Poisson or rescaled trace does not depend on it).
    public init(workload: Workload, profile: HardwareProfile, engine: EngineConfiguration) {
        let statistics = WorkloadStatistics(workload)
        let arrivals = Double(max(1, statistics.arrivals))
        let calls = Double(max(1, statistics.calls))
        promptTokensPerArrival = Double(statistics.promptTokens) / arrivals
        outputTokensPerArrival = Double(statistics.outputTokens) / arrivals
        let promptPerCall = Double(statistics.promptTokens) / calls
        let outputPerCall = Double(statistics.outputTokens) / calls
        let model = LatencyModel(profile: profile)
        let context = max(1, Int((promptPerCall + outputPerCall / 2).rounded()))
        let fitsInKV = max(1, profile.kvCapacityTokens / max(1, context + Int(outputPerCall / 2)))
        decodeBatch = max(1, min(engine.maxRunning, fitsInKV))
        let decodes = ExecutionBatch(sequences: (0..<decodeBatch).map {
            ScheduledSequence(requestID: RequestID(UInt64($0)), tokenCount: 1, computedTokenCount: context, samplesToken: true)
        })
        decodeTokensPerSecond = Double(decodeBatch) / model.iterationTime(for: decodes).seconds
        // Prefill: one budget's worth of prompt tokens, in chunks of the mean prompt.
        let chunk = max(1, min(engine.maxBatchedTokens, Int(promptPerCall.rounded())))
        let chunks = max(1, engine.maxBatchedTokens / chunk)
        let prefill = ExecutionBatch(sequences: (0..<chunks).map {
            ScheduledSequence(requestID: RequestID(UInt64($0)), tokenCount: chunk, computedTokenCount: 0, samplesToken: true)
        })
        prefillTokensPerSecond = Double(chunk * chunks) / model.iterationTime(for: prefill).seconds
    }

    /// Seconds of one replica an average arrival takes.
    public var secondsPerArrival: Double {
        outputTokensPerArrival / decodeTokensPerSecond + promptTokensPerArrival / prefillTokensPerSecond
    }

    /// Arrivals per second one replica can just keep up with.
    public var saturatingRate: Double { 1 / max(secondsPerArrival, 1e-12) }
}
