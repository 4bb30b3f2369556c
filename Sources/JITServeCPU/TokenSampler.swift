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
    public func sample(_ logits: UnsafeBufferPointer<Float>, step: Int, bannedToken: Int32? = nil) -> Int32 {
        let banned = bannedToken.map(Int.init) ?? -1
        if parameters.temperature <= 0 {
            var best = -1
            var bestValue = -Float.infinity
            for (index, value) in logits.enumerated() where index != banned && (best < 0 || value > bestValue) {
                best = index
                bestValue = value
            }
            return Int32(best)
        }
        let inverseTemperature = Float(1 / parameters.temperature)
        var maximum = -Float.infinity
        for (index, value) in logits.enumerated() where index != banned { maximum = max(maximum, value) }

        // Candidates: tokens whose probability is not negligible. Dropping the rest loses at most
        // vocabulary × 1e-9 of the mass, far below what top-p can resolve, and spares sorting
        // the whole vocabulary on every step.
        var weights = [Float](repeating: 0, count: logits.count)
        var total: Float = 0
        for (index, value) in logits.enumerated() where index != banned {
            let weight = Kernels.exp(SIMD8(repeating: (value - maximum) * inverseTemperature))[0]
            weights[index] = weight
            total += weight
        }
        let floor = total * 1e-9
        var candidates: [Int] = []
        for index in 0..<weights.count where weights[index] > floor { candidates.append(index) }
        candidates.sort { weights[$0] > weights[$1] || (weights[$0] == weights[$1] && $0 < $1) }
        if parameters.topK > 0 && candidates.count > parameters.topK {
            candidates.removeLast(candidates.count - parameters.topK)
        }
        var kept = candidates.reduce(Float(0)) { $0 + weights[$1] }
        if parameters.topP < 1 {
            let target = Float(parameters.topP) * kept
            var cumulative: Float = 0
            var cut = candidates.count
            for (rank, index) in candidates.enumerated() {
                cumulative += weights[index]
                if cumulative >= target {
                    cut = rank + 1
                    break
                }
            }
            candidates.removeLast(candidates.count - cut)
            kept = candidates.reduce(Float(0)) { $0 + weights[$1] }
        }
        var random = SamplingRandom(seed: seed ^ (UInt64(step) &* 0xD1B5_4A32_D192_ED03))
        let draw = Float(random.nextUnit()) * kept
        var cumulative: Float = 0
        for index in candidates {
            cumulative += weights[index]
            if draw < cumulative { return Int32(index) }
        }
        return Int32(candidates.last ?? 0)
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
