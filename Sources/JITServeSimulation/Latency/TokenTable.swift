/// A non-decreasing function of a token (or sequence) count, tabulated on a two-step uniform grid
/// so a lookup is O(1): every 8 from 0 to 512, every 64 from 576 to `maxTokens`, then a straight
/// line. Written by `scripts/fit_latency.py`; values in microseconds.
public struct TokenTable: Sendable {
    /// Grid step and end of the fine part: small batches (decode) are where GEMM time bends.
    public static let fineStep = 8
    public static let fineLimit = 512
    /// Grid step of the coarse part, from `fineLimit + coarseStep` to `maxTokens`.
    public static let coarseStep = 64

    /// Values at 0, 8, …, 512.
    public let fine: [Double]
    /// Values at 576, 640, …, `maxTokens`.
    public let coarse: [Double]
    /// Microseconds per token beyond `maxTokens`.
    public let tailSlope: Double
    public let maxTokens: Int

    public init(fine: [Double], coarse: [Double], tailSlope: Double, maxTokens: Int) {
        precondition(fine.count == Self.fineLimit / Self.fineStep + 1, "fine grid must cover 0...512")
        precondition(coarse.count == (maxTokens - Self.fineLimit) / Self.coarseStep, "coarse grid must reach maxTokens")
        self.fine = fine
        self.coarse = coarse
        self.tailSlope = tailSlope
        self.maxTokens = maxTokens
    }

    /// Linear interpolation between grid points (the same arithmetic as the script's `lookup`).
    @inlinable
    public func value(at count: Int) -> Double {
        if count <= Self.fineLimit {
            let i = count / Self.fineStep
            if i >= fine.count - 1 { return fine[fine.count - 1] }
            let f = Double(count - i * Self.fineStep) / Double(Self.fineStep)
            return fine[i] + (fine[i + 1] - fine[i]) * f
        }
        if count >= maxTokens {
            return coarse[coarse.count - 1] + tailSlope * Double(count - maxTokens)
        }
        let offset = count - Self.fineLimit
        let i = offset / Self.coarseStep
        let f = Double(offset - i * Self.coarseStep) / Double(Self.coarseStep)
        let low = i == 0 ? fine[fine.count - 1] : coarse[i - 1]
        return low + (coarse[i] - low) * f
    }

    /// This table scaled by `factor` and added to `other` point by point (same grid).
    func adding(_ other: TokenTable, scaledBy factor: Double = 1) -> TokenTable {
        precondition(other.maxTokens == maxTokens, "tables must share a grid")
        return TokenTable(
            fine: zip(fine, other.fine).map { $0 + factor * $1 },
            coarse: zip(coarse, other.coarse).map { $0 + factor * $1 },
            tailSlope: tailSlope + factor * other.tailSlope, maxTokens: maxTokens)
    }

    /// This table with every value multiplied by `factor`.
    func scaled(by factor: Double) -> TokenTable {
        TokenTable(
            fine: fine.map { $0 * factor }, coarse: coarse.map { $0 * factor },
            tailSlope: tailSlope * factor, maxTokens: maxTokens)
    }
}
