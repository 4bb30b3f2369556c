import JITServeCore

/// How good a length estimator's bounds are when it learns as it goes: rows are replayed in
/// order as requests, each asked for its bound *before* its true length is revealed to the
/// estimator (`observe`), as a server would. Reports the whole run, the run after a burn-in
/// (what a calibrating estimator holds once it has seen some traffic), coverage per window of
/// consecutive rows, and the refinement curve after the burn-in.
public struct OnlineLengthEvaluation: Codable, Hashable, Sendable {
    public var predictor: String
    public var quantile: Double
    public var rows: Int
    /// Rows excluded from `steady` and `refinement` (the estimator's warm-up).
    public var burnIn: Int
    /// Figures at g = 0 over every row.
    public var whole: LengthEvaluation.Point
    /// Figures at g = 0 over the rows after the burn-in.
    public var steady: LengthEvaluation.Point
    /// Rows per entry of `windowCoverage`.
    public var windowSize: Int
    /// Coverage at g = 0 of rows 1…windowSize, windowSize+1…2·windowSize, … (a last partial
    /// window is left out).
    public var windowCoverage: [Double]
    /// Figures after the burn-in at each number of generated tokens (rows longer than g).
    public var refinement: [LengthEvaluation.Point]

    enum CodingKeys: String, CodingKey {
        case predictor, quantile, rows, whole, steady, refinement
        case burnIn = "burn_in"
        case windowSize = "window_size"
        case windowCoverage = "window_coverage"
    }

    /// Replays `rows` in order through every one of `predictors` (each learning only from the
    /// rows before the one it is asked about) and evaluates each at `quantile`.
    ///
    /// - Parameter application: The application of rows that name none.
    public static func replay(
        rows: [LengthExample], predictors: [any OutputLengthPredictor], quantile: Double, burnIn: Int = 200,
        windowSize: Int = 100, generatedPoints: [Int] = LengthEvaluation.defaultGeneratedPoints,
        application: String = "default"
    ) -> [OnlineLengthEvaluation] {
        let points = Array(Set([0] + generatedPoints)).sorted()
        // bounds[p][k][j]: predictor p's bound for row k after points[j] tokens.
        var bounds = [[[Int]]](repeating: [], count: predictors.count)
        var predictors = predictors
        for (k, row) in rows.enumerated() {
            let request = Self.request(row, index: k, application: application)
            for p in predictors.indices {
                let distribution = predictors[p].distribution(for: request)
                bounds[p].append(points.map { distribution.upperBound(quantile: quantile, generated: $0) })
                predictors[p].observe(request, outputTokenCount: row.outputTokenCount)
            }
        }
        let truths = rows.map(\.outputTokenCount)
        let start = min(max(0, burnIn), rows.count)
        let size = max(1, windowSize)
        return predictors.indices.map { p in
            func point(_ j: Int, from first: Int) -> LengthEvaluation.Point {
                LengthEvaluation.point(generated: points[j], quantile: quantile,
                                       bounds: bounds[p][first...].map { $0[j] }, truths: Array(truths[first...]))
            }
            let windows = stride(from: 0, to: rows.count - size + 1, by: size).map { first in
                Double((first..<first + size).filter { truths[$0] <= bounds[p][$0][0] }.count) / Double(size)
            }
            return OnlineLengthEvaluation(
                predictor: predictors[p].name, quantile: quantile, rows: rows.count, burnIn: start,
                whole: point(0, from: 0), steady: point(0, from: start), windowSize: size, windowCoverage: windows,
                refinement: points.indices.map { point($0, from: start) })
        }
    }

    /// Row `k` as the request a server would have received (no cap on its output).
    static func request(_ row: LengthExample, index k: Int, application: String) -> Request {
        let slo: SLO = switch row.kind ?? .deadline {
        case .latency: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80))
        case .deadline: .deadline(ttlt: .seconds(8))
        case .compound: .compound(CompoundSLO(workflowID: WorkflowID(UInt64(k)), stage: 0, workflowStartedAt: .zero, deadline: .seconds(60)))
        }
        return Request(
            id: RequestID(UInt64(k)), arrivedAt: .zero, promptTokenCount: row.promptTokenCount, promptText: row.promptText,
            maxOutputTokens: Int(Int32.max), slo: slo, application: row.application ?? application)
    }
}
