import Foundation
import JITServeCore

extension SplitMix64 {
    /// A standard normal value (Box–Muller; one of the pair).
    public mutating func nextNormal() -> Double {
        let u = 1 - nextUnit(), v = nextUnit()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// A gamma-distributed value with `shape` k and `scale` θ (mean kθ), as scipy's
    /// `gamma(a=k, scale=θ)`: Marsaglia and Tsang's method, boosted for k < 1.
    public mutating func nextGamma(shape: Double, scale: Double) -> Double {
        precondition(shape > 0 && scale > 0, "gamma needs a positive shape and scale")
        if shape < 1 {
            // X·U^(1/k) with X ~ Gamma(k + 1) is Gamma(k); in logs, so a tiny k (bursts: ServeGen
            // fits k ≈ 0.01) underflows to 0 rather than to NaN.
            let x = nextGamma(shape: shape + 1, scale: scale)
            return x * exp(log(1 - nextUnit()) / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat {
                x = nextNormal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = 1 - nextUnit()
            if log(u) < 0.5 * x * x + d - d * v + d * log(v) { return d * v * scale }
        }
    }

    /// A Weibull-distributed value with `shape` k and `scale` λ, as scipy's
    /// `weibull_min(c=k, scale=λ)`: inverse CDF.
    public mutating func nextWeibull(shape: Double, scale: Double) -> Double {
        precondition(shape > 0 && scale > 0, "Weibull needs a positive shape and scale")
        return scale * pow(-log(1 - nextUnit()), 1 / shape)
    }
}
