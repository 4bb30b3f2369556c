import JITServeCore

/// The evaluation's SLO recipe (DESIGN §9): a base (TTFT, TBT, TTLT), each request's scaled by
/// a tier drawn uniformly from 1…4 (1 is the tightest).
public struct SLOTiers: Hashable, Sendable {
    public var timeToFirstToken: Duration
    public var timeBetweenTokens: Duration
    public var timeToLastToken: Duration
    public var tiers: ClosedRange<Int>

    public init(
        timeToFirstToken: Duration = .milliseconds(800), timeBetweenTokens: Duration = .milliseconds(80),
        timeToLastToken: Duration = .seconds(8), tiers: ClosedRange<Int> = 1...4
    ) {
        self.timeToFirstToken = timeToFirstToken
        self.timeBetweenTokens = timeBetweenTokens
        self.timeToLastToken = timeToLastToken
        self.tiers = tiers
    }

    /// The paper's base: (0.8 s, 0.08 s, 8 s), tiers 1…4.
    public static let paper = SLOTiers()

    /// A tier drawn uniformly.
    public func drawTier(using generator: inout SplitMix64) -> Int {
        tiers.lowerBound + generator.nextInt(below: tiers.count)
    }

    public func latency(tier: Int) -> SLO {
        .latency(ttft: timeToFirstToken * tier, tbt: timeBetweenTokens * tier)
    }

    public func deadline(tier: Int) -> SLO {
        .deadline(ttlt: timeToLastToken * tier)
    }

    /// A workflow's end-to-end deadline: tier · TTLT · its stage count.
    public func workflowDeadline(tier: Int, stageCount: Int) -> Duration {
        timeToLastToken * (tier * stageCount)
    }
}
