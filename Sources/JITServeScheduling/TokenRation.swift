/// A smaller share of an iteration's token budget that some rows must share among themselves,
/// on top of the budget every row draws from (`BatchPacker`).
///
/// GMAX rations the prefill of requests that can no longer make their SLO: they earn nothing,
/// and a long prompt in the batch stretches the iteration of every request that still can.
public struct TokenRation: Sendable {
    /// By row: running requests, then waiting ones, as the packer's order indexes them.
    public var isRationed: [Bool]
    /// Tokens the rationed rows may take together in one iteration.
    public var tokens: Int

    public init(isRationed: [Bool], tokens: Int) {
        self.isRationed = isRationed
        self.tokens = tokens
    }
}
