/// How tight a bound at quantile q can be on a set of rows, judged in hindsight: the figures of
/// bounds *fitted on the very rows they are judged on*, so no online estimator that reads the
/// same information can expect to do better. Reported beside `predictor eval --online` so that
/// a goal such as "median bound ÷ true ≤ 2" can be told apart as missed or as out of reach.
///
/// - `constant`: one bound per application, the q-quantile of its true lengths. What any
///   prompt-agnostic estimator could at best achieve; when the lengths are heavy-tailed its
///   median ratio (≈ q-quantile ÷ median) exceeds 2 whatever the calibration.
/// - `stratified`: the rows of each application cut into `strataCount` equal-count strata by a
///   per-row *anchor* (e.g. the forest's 0.75-quantile), one bound per stratum: what a
///   perfectly calibrated estimator reading only that anchor could reach, with any monotone or
///   non-monotone mapping of it (up to the strata's resolution). Optimistic: each stratum's
///   bound is fitted on its own rows.
public struct LengthBoundFloor: Codable, Hashable, Sendable {
    public var quantile: Double
    /// Rows judged (those after the burn-in).
    public var rows: Int
    public var constant: LengthEvaluation.Point
    /// Nil when no anchors were given.
    public var stratified: LengthEvaluation.Point?
    public var strataCount: Int

    enum CodingKeys: String, CodingKey {
        case quantile, rows, constant, stratified
        case strataCount = "strata_count"
    }

    /// Measures both floors over `truths[burnIn...]`.
    ///
    /// - Parameters:
    ///   - applications: One per row (rows of one application share their bounds).
    ///   - anchors: One per row, or nil to measure `constant` alone.
    ///   - strataCount: Strata per application (at least 1).
    public static func measure(
        truths: [Int], applications: [String], anchors: [Double]? = nil, quantile: Double, burnIn: Int = 0,
        strataCount: Int = 8
    ) -> LengthBoundFloor {
        precondition(applications.count == truths.count && (anchors?.count ?? truths.count) == truths.count,
                     "one application and one anchor per row")
        let first = min(max(0, burnIn), truths.count)
        let indices = Array(first..<truths.count)
        let judged = indices.map { truths[$0] }
        var byApplication: [String: [Int]] = [:]
        for i in indices { byApplication[applications[i], default: []].append(i) }

        var constantBounds = [Int](repeating: 0, count: truths.count)
        for members in byApplication.values {
            let bound = Self.quantileBound(members.map { truths[$0] }, quantile)
            for i in members { constantBounds[i] = bound }
        }
        let constant = LengthEvaluation.point(generated: 0, quantile: quantile, bounds: indices.map { constantBounds[$0] }, truths: judged)

        var stratified: LengthEvaluation.Point?
        let strata = max(1, strataCount)
        if let anchors {
            var bounds = [Int](repeating: 0, count: truths.count)
            for members in byApplication.values {
                // Equal-count strata by anchor; ties broken by row order so the cut is deterministic.
                let ordered = members.sorted { (anchors[$0], $0) < (anchors[$1], $1) }
                for s in 0..<strata {
                    let lo = ordered.count * s / strata, hi = ordered.count * (s + 1) / strata
                    guard lo < hi else { continue }
                    let stratum = ordered[lo..<hi]
                    let bound = Self.quantileBound(stratum.map { truths[$0] }, quantile)
                    for i in stratum { bounds[i] = bound }
                }
            }
            stratified = LengthEvaluation.point(generated: 0, quantile: quantile, bounds: indices.map { bounds[$0] }, truths: judged)
        }
        return LengthBoundFloor(quantile: quantile, rows: indices.count, constant: constant, stratified: stratified, strataCount: strata)
    }

    /// The smallest of `lengths` that at least a `quantile` share of them do not exceed.
    static func quantileBound(_ lengths: [Int], _ quantile: Double) -> Int {
        let sorted = lengths.sorted()
        // Less a hair, so that 0.9 · 110 (= 99.000…01 in binary) asks for the 99th, not the 100th.
        let rank = Int((min(max(quantile, 0), 1) * Double(sorted.count) - 1e-9).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
