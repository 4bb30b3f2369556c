import JITServeCore

/// How good a length predictor's upper bounds are on rows with known lengths: coverage (share of
/// true lengths ≤ bound), tightness (bound ÷ true length) and pinball loss at the quantile, at
/// the start and after g generated tokens (the refinement curve, over rows longer than g).
public struct LengthEvaluation: Codable, Hashable, Sendable {
    /// Figures at one point of the refinement curve.
    public struct Point: Codable, Hashable, Sendable {
        /// Tokens already generated when the bound is asked for.
        public var generated: Int
        /// Rows longer than `generated` (the ones still running at that point).
        public var count: Int
        public var coverage: Double
        public var medianRatio: Double
        public var meanRatio: Double
        public var pinballLoss: Double

        enum CodingKeys: String, CodingKey {
            case generated, count, coverage
            case medianRatio = "median_ratio"
            case meanRatio = "mean_ratio"
            case pinballLoss = "pinball_loss"
        }
    }

    public var predictor: String
    public var quantile: Double
    /// Figures at g = 0, i.e. before the first token.
    public var coverage: Double
    public var medianRatio: Double
    public var meanRatio: Double
    public var pinballLoss: Double
    public var refinement: [Point]

    enum CodingKeys: String, CodingKey {
        case predictor, quantile, coverage, refinement
        case medianRatio = "median_ratio"
        case meanRatio = "mean_ratio"
        case pinballLoss = "pinball_loss"
    }

    /// The refinement points the issue asks for.
    public static let defaultGeneratedPoints = [0, 16, 64, 256]

    /// Evaluates `distributions[i]` against `truths[i]`.
    public init(
        predictor: String, quantile: Double, distributions: [LengthDistribution], truths: [Int],
        generatedPoints: [Int] = LengthEvaluation.defaultGeneratedPoints
    ) {
        precondition(distributions.count == truths.count, "one distribution per true length")
        self.predictor = predictor
        self.quantile = quantile
        let start = Self.point(generated: 0, quantile: quantile, distributions: distributions, truths: truths)
        coverage = start.coverage
        medianRatio = start.medianRatio
        meanRatio = start.meanRatio
        pinballLoss = start.pinballLoss
        refinement = generatedPoints.map {
            $0 == 0 ? start : Self.point(generated: $0, quantile: quantile, distributions: distributions, truths: truths)
        }
    }

    /// The pinball (quantile) loss of predicting `bound` for a true `value` at quantile `q`.
    public static func pinballLoss(bound: Double, value: Double, quantile q: Double) -> Double {
        value >= bound ? q * (value - bound) : (1 - q) * (bound - value)
    }

    static func point(generated g: Int, quantile: Double, distributions: [LengthDistribution], truths: [Int]) -> Point {
        let bounds = zip(distributions, truths).map { $1 > g ? $0.upperBound(quantile: quantile, generated: g) : 0 }
        return point(generated: g, quantile: quantile, bounds: bounds, truths: truths)
    }

    /// Figures of `bounds[i]` (the bound after g tokens) against `truths[i]`, over rows longer than g.
    static func point(generated g: Int, quantile: Double, bounds: [Int], truths: [Int]) -> Point {
        var covered = 0, ratios: [Double] = [], loss = 0.0
        for (bound, truth) in zip(bounds, truths) where truth > g {
            if truth <= bound { covered += 1 }
            ratios.append(Double(bound) / Double(truth))
            loss += pinballLoss(bound: Double(bound), value: Double(truth), quantile: quantile)
        }
        guard !ratios.isEmpty else {
            return Point(generated: g, count: 0, coverage: 0, medianRatio: 0, meanRatio: 0, pinballLoss: 0)
        }
        let n = Double(ratios.count)
        ratios.sort()
        return Point(
            generated: g, count: ratios.count, coverage: Double(covered) / n,
            medianRatio: LatencySummary.percentile(ratios, 0.5), meanRatio: ratios.reduce(0, +) / n,
            pinballLoss: loss / n)
    }
}
