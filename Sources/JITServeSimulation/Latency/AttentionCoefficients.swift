/// Per-layer attention time (microseconds) as fitted by `scripts/fit_latency.py`, already scaled to
/// one model on one GPU:
///
///     base + Σ over prefill chunks (prefillContext·kv + prefillTokens·c + prefillProduct·c·kv + prefillSquare·c²)
///          + (decodeSequences·n + decodeContext·K + decodeContextSqrt·√K) · (1 + mixedDecodePenalty if any prefill)
///
/// where a prefill chunk computes `c` tokens over `kv` already-cached ones, `n` sequences decode
/// and `K` is their total cached context. Every coefficient is non-negative, so more tokens or
/// more context never take less time.
public struct AttentionCoefficients: Sendable {
    /// Kernel floor paid once per layer whatever the batch holds.
    public let base: Double
    public let prefillContext: Double
    public let prefillTokens: Double
    public let prefillProduct: Double
    public let prefillSquare: Double
    public let decodeSequences: Double
    public let decodeContext: Double
    public let decodeContextSqrt: Double
    /// Extra share the decode part costs when the same batch also prefills: one fused varlen
    /// kernel handles decodes less efficiently than the decode kernel (fitted on mixed rows).
    public let mixedDecodePenalty: Double

    public init(
        base: Double, prefillContext: Double, prefillTokens: Double, prefillProduct: Double,
        prefillSquare: Double, decodeSequences: Double, decodeContext: Double, decodeContextSqrt: Double,
        mixedDecodePenalty: Double
    ) {
        self.base = base
        self.prefillContext = prefillContext
        self.prefillTokens = prefillTokens
        self.prefillProduct = prefillProduct
        self.prefillSquare = prefillSquare
        self.decodeSequences = decodeSequences
        self.decodeContext = decodeContext
        self.decodeContextSqrt = decodeContextSqrt
        self.mixedDecodePenalty = mixedDecodePenalty
    }

    /// One prefill chunk's share (without the base).
    @inlinable
    public func prefill(chunk: Double, context: Double) -> Double {
        prefillContext * context + prefillTokens * chunk + prefillProduct * chunk * context
            + prefillSquare * chunk * chunk
    }

    /// The decode share for `sequences` decodes over `context` cached tokens in total, in a batch
    /// that does (`mixed`) or does not also prefill.
    @inlinable
    public func decode(sequences: Double, context: Double, mixed: Bool) -> Double {
        guard sequences > 0 else { return 0 }
        let share = decodeSequences * sequences + decodeContext * context + decodeContextSqrt * context.squareRoot()
        return mixed ? share * (1 + mixedDecodePenalty) : share
    }
}
