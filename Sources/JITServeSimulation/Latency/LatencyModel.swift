import JITServeEngine

/// Iteration time of a batch on one model replica, from the tables fitted to real GPU profiles
/// (`Latency/README.md` names the source and held-out error of every term).
///
/// Called once per simulated iteration (about 100k times for an hour of trace), so everything that
/// depends only on the profile is folded into two token tables at init and the per-call work is
/// one pass over the batch with no allocation.
public struct LatencyModel: Sendable {
    public let profile: HardwareProfile
    /// Everything indexed by tokens in the batch, per iteration: dense ops of every layer,
    /// embedding, and (tensor parallelism) the two all-reduces of every layer.
    private let tokenTable: TokenTable
    /// Logits, indexed by sequences that sample.
    private let lmHead: TokenTable
    private let attention: AttentionCoefficients
    private let layers: Double
    private let samplerBase: Double
    private let samplerPerSequence: Double
    /// Seconds to move one KV block over the host link.
    private let swapSecondsPerBlock: Double

    public init(profile: HardwareProfile) {
        self.profile = profile
        let t = profile.tables
        let layers = Double(profile.model.layerCount)
        var table = t.attentionProjections.scaled(by: layers)
            .adding(t.mlp, scaledBy: layers)
            .adding(t.normsAndElementwise, scaledBy: layers)
            .adding(t.embedding)
        if let allReduce = t.allReduce, profile.tensorParallelism > 1 {
            table = table.adding(allReduce, scaledBy: 2 * layers)
        }
        tokenTable = table
        lmHead = t.lmHead
        attention = t.attention
        self.layers = layers
        samplerBase = t.samplerBase
        samplerPerSequence = t.samplerPerSequence
        swapSecondsPerBlock = profile.swapTime(blocks: 1).seconds
    }

    /// Modelled wall time of one iteration: dense ops over all tokens, attention per prefill chunk
    /// and over all decodes' context, logits and sampling for the sequences that sample, and the
    /// swap copies that precede it (vLLM issues them before the forward pass, on the same stream).
    public func iterationTime(for batch: ExecutionBatch) -> Duration {
        .seconds(iterationMicroseconds(for: batch) * 1e-6 + swapTime(for: batch))
    }

    /// GPU time of the forward pass alone, microseconds (no swap).
    public func iterationMicroseconds(for batch: ExecutionBatch) -> Double {
        var tokens = 0
        var sampled = 0
        var decodes = 0
        var decodeContext = 0
        var prefill = 0.0
        var prefillCount = 0
        batch.sequences.withUnsafeBufferPointer { sequences in
            for i in sequences.indices {
                let count = sequences[i].tokenCount
                let context = sequences[i].computedTokenCount
                tokens += count
                if sequences[i].samplesToken { sampled += 1 }
                if count == 1 && context > 0 {
                    decodes += 1
                    decodeContext += context
                } else if count > 0 {
                    prefillCount += 1
                    prefill += attention.prefill(chunk: Double(count), context: Double(context))
                }
            }
        }
        if tokens == 0 { return 0 }
        let perLayerAttention = attention.base + prefill
            + attention.decode(sequences: Double(decodes), context: Double(decodeContext), mixed: prefillCount > 0)
        var total = tokenTable.value(at: tokens) + layers * perLayerAttention
        if sampled > 0 {
            total += lmHead.value(at: sampled) + samplerBase + samplerPerSequence * Double(sampled)
        }
        return total
    }

    /// Seconds the batch's swap-in and swap-out copies take.
    public func swapTime(for batch: ExecutionBatch) -> Double {
        Double(batch.swapInBlockCount + batch.swapOutBlockCount) * swapSecondsPerBlock
    }
}
