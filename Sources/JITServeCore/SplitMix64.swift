/// The project's one seedable random number generator: SplitMix64 (Steele, Lea and Flood,
/// "Fast splittable pseudorandom number generators", OOPSLA 2014).
///
/// Every reproducible draw goes through it — workload generation, forest training, the
/// sampler's per-step seeds, test data — so the same seed gives the same numbers on every
/// platform and Swift version: the helpers below use only its 64-bit outputs and our own
/// arithmetic, never the standard library's unspecified algorithms.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in `0..<bound` (multiply-high; the bias is below 2⁻⁶⁰ for the small
    /// bounds used here).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A generator for an independent stream, derived from this one's state and a label, so
    /// that adding draws to one part of a workload does not shift the draws of another.
    public func split(_ label: UInt64) -> SplitMix64 {
        var g = SplitMix64(seed: state ^ (label &* 0xD1B5_4A32_D192_ED03))
        _ = g.next()
        return g
    }
}
