/// The fitted timings of one model on one GPU at one tensor-parallel degree, as written by
/// `scripts/fit_latency.py` into `LatencyTables+Generated.swift` (see `README.md` beside it for
/// the source of each term and its held-out error). All values are microseconds.
public struct LatencyTables: Sendable {
    /// QKV and output projections, per layer, by tokens in the batch.
    public let attentionProjections: TokenTable
    /// Gate+up, activation and down projections, per layer, by tokens in the batch.
    public let mlp: TokenTable
    /// RMS norms, RoPE and residual adds, per layer, by tokens in the batch.
    public let normsAndElementwise: TokenTable
    /// Token embedding (and final norm where profiled), once per iteration.
    public let embedding: TokenTable
    /// Logits, once per iteration, by sequences that sample a token.
    public let lmHead: TokenTable
    /// One all-reduce of tokens × hidden bf16 values; nil without tensor parallelism.
    public let allReduce: TokenTable?
    public let attention: AttentionCoefficients
    /// Sampling kernel: fixed cost per iteration plus a cost per sampled sequence.
    public let samplerBase: Double
    public let samplerPerSequence: Double

    public init(
        attentionProjections: TokenTable, mlp: TokenTable, normsAndElementwise: TokenTable,
        embedding: TokenTable, lmHead: TokenTable, allReduce: TokenTable?, attention: AttentionCoefficients,
        samplerBase: Double, samplerPerSequence: Double
    ) {
        self.attentionProjections = attentionProjections
        self.mlp = mlp
        self.normsAndElementwise = normsAndElementwise
        self.embedding = embedding
        self.lmHead = lmHead
        self.allReduce = allReduce
        self.attention = attention
        self.samplerBase = samplerBase
        self.samplerPerSequence = samplerPerSequence
    }
}
