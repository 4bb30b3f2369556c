import JITServeCore

/// Picks the next token from logits: greedy (temperature 0), or a draw from the
/// temperature-scaled distribution cut to the top-k tokens and then to the top-p nucleus.
///
/// The random draw of step `n` of a request is a pure function of its seed (from
/// `SamplingParameters.seed`, else the request ID) and `n`: a request's samples depend neither on
/// which requests share its batches nor on whether it was preempted and recomputed.
public struct TokenSampler: Sendable {
    public var parameters: SamplingParameters
    public let seed: UInt64

    public init(parameters: SamplingParameters, requestID: RequestID) {
        self.parameters = parameters
        seed = parameters.seed ?? (requestID.rawValue &* 0x9E37_79B9_7F4A_7C15)
    }

    /// The token for output position `step`. `bannedToken` (end-of-sequence below `minTokens`)
    /// is never chosen.
    ///
    /// Every pass over the vocabulary runs eight lanes at a time and nothing is sorted but the
    /// few candidates that straddle a top-k or top-p cut (`SamplingCut`): every decode step
    /// samples once per sequence, and sorting the candidates cost 4.7 ms a token at temperature
    /// 1 over SmolLM2's 49,152 tokens (`bench cpu`), more than a 16-stream step's forward pass.
    public func sample(_ logits: UnsafeBufferPointer<Float>, step: Int, bannedToken: Int32? = nil) -> Int32 {
        let banned = bannedToken.map(Int.init) ?? -1
        let best = Kernels.argmax(logits, excluding: banned)
        if parameters.temperature <= 0 || best < 0 { return Int32(max(best, 0)) }
        let scale = Float(1 / parameters.temperature)
        var random = SamplingRandom(seed: seed ^ (UInt64(step) &* 0xD1B5_4A32_D192_ED03))
        let unit = Float(random.nextUnit())
        var weights = [Float](unsafeUninitializedCapacity: logits.count) { buffer, initialized in
            Self.scale(logits, by: scale, into: buffer)
            initialized = logits.count
        }
        return weights.withUnsafeMutableBufferPointer { weights in
            // The banned token at -inf weighs nothing in the sum (its logit may be the largest).
            let isBanning = weights.indices.contains(banned)
            if isBanning { weights[banned] = -.infinity }
            let total = Kernels.exponentiate(weights.baseAddress!, count: weights.count, subtracting: logits[best] * scale)
            if isBanning { weights[banned] = 0 }
            // Candidates: tokens whose probability is not negligible. Dropping the rest loses at
            // most vocabulary × 1e-9 of the mass, far below what top-p can resolve.
            let cut = SamplingCut(weights, floor: total * 1e-9, topK: parameters.topK, topP: parameters.topP)
            let kept = cut.zeroOthers(in: weights)
            return Int32(Self.draw(unit * kept, from: weights))
        }
    }

    /// The token where the running sum of `weights`, in vocabulary order, first exceeds
    /// `target` (the last token with weight if rounding leaves it short). Whole blocks of eight
    /// are skipped on their sum; the draw's distribution does not depend on the order.
    private static func draw(_ target: Float, from weights: UnsafeMutableBufferPointer<Float>) -> Int {
        let raw = UnsafeRawPointer(weights.baseAddress!)
        var cumulative: Float = 0
        var i = 0
        while i < weights.count {
            let end = min(i + 8, weights.count)
            if end - i == 8 {
                let block = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self).sum()
                if cumulative + block <= target {
                    cumulative += block
                    i = end
                    continue
                }
            }
            for index in i..<end where weights[index] > 0 {
                cumulative += weights[index]
                if target < cumulative { return index }
            }
            i = end
        }
        return weights.indices.last { weights[$0] > 0 } ?? 0
    }

    /// `weights[i] = logits[i] · scale`, eight lanes at a time.
    private static func scale(
        _ logits: UnsafeBufferPointer<Float>, by scale: Float, into weights: UnsafeMutableBufferPointer<Float>
    ) {
        let source = UnsafeRawPointer(logits.baseAddress!)
        let target = UnsafeMutableRawPointer(weights.baseAddress!)
        var i = 0
        while i + 8 <= logits.count {
            let v = source.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            target.storeBytes(of: v * scale, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < logits.count {
            weights[i] = logits[i] * scale
            i += 1
        }
    }
}

/// xoshiro256** seeded through `SplitMix64`: small, fast and identical on every platform.
struct SamplingRandom: Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        state = (seeder.next(), seeder.next(), seeder.next(), seeder.next())
    }

    mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
