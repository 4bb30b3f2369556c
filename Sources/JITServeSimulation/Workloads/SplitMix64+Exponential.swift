import Foundation
import JITServeCore

extension SplitMix64 {
    /// An exponentially distributed value with the given rate (mean `1 / rate`): a Poisson
    /// process's inter-arrival gap.
    public mutating func nextExponential(rate: Double) -> Double {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        -log(1 - nextUnit()) / rate
    }
}

/// The workload generator's old name for `SplitMix64`.
@available(*, deprecated, renamed: "SplitMix64")
public typealias SeededGenerator = SplitMix64
