import JITServeCore

/// Replays finished workflows through a `WorkflowPredictor` in online order — each workflow is
/// predicted from those before it, then fed back — and measures, at the arrival of each stage's
/// first call, the error of the predicted remaining stages, remaining future output tokens and
/// current-stage deadline share against the truth.
///
/// Call times come from a nominal isolated-execution model (prefill and decode seconds per
/// token; a stage lasts as long as its slowest call plus the agent's delay before it), because
/// the traces record token counts, not per-call times. The shares are then the shares that model
/// gives; the point is to compare predictors on the same truth.
public struct WorkflowPredictionEvaluation: Codable, Hashable, Sendable {
    /// Nominal per-token costs of a call (defaults: roughly an 8B model on one A100).
    public struct TimeModel: Codable, Hashable, Sendable {
        public var prefillSecondsPerToken: Double
        public var decodeSecondsPerToken: Double

        public init(prefillSecondsPerToken: Double = 0.0001, decodeSecondsPerToken: Double = 0.02) {
            self.prefillSecondsPerToken = prefillSecondsPerToken
            self.decodeSecondsPerToken = decodeSecondsPerToken
        }

        func seconds(_ call: WorkflowSpec.Call) -> Double {
            Double(call.promptTokenCount) * prefillSecondsPerToken + Double(call.outputTokenCount) * decodeSecondsPerToken
        }
    }

    public var predictor: String
    /// Stage arrivals predicted (one per stage of every workflow).
    public var points: Int
    public var workflows: Int
    /// Mean |predicted − true| remaining stages.
    public var remainingStagesMAE: Double
    /// Share of points whose remaining-stage count was exactly right.
    public var remainingStagesExact: Double
    /// Mean |predicted − true| cumulative deadline share through the current stage (0…1 units).
    public var shareMAE: Double
    /// Mean |predicted − true| remaining future output tokens, relative to the workflow's total output.
    public var remainingTokensRelativeError: Double

    enum CodingKeys: String, CodingKey {
        case predictor, points, workflows
        case remainingStagesMAE = "remaining_stages_mae"
        case remainingStagesExact = "remaining_stages_exact"
        case shareMAE = "share_mae"
        case remainingTokensRelativeError = "remaining_tokens_relative_error"
    }

    /// The observations a finished `spec` would report, starting at time 0.
    public static func observations(of spec: WorkflowSpec, timeModel: TimeModel) -> [CallObservation] {
        var calls: [CallObservation] = []
        var stageEnd = 0.0
        for (index, stage) in spec.stages.enumerated() {
            let start = stageEnd + stage.delayBefore.seconds
            var end = start
            for call in stage.calls {
                let finish = start + timeModel.seconds(call)
                end = max(end, finish)
                calls.append(CallObservation(
                    stage: index, promptTokenCount: call.promptTokenCount, outputTokenCount: call.outputTokenCount,
                    startedAt: Instant(seconds: start), finishedAt: Instant(seconds: finish)))
            }
            stageEnd = end
        }
        return calls
    }

    /// Runs `predictor` over `workflows` in order, mutating it as it learns.
    public static func run<P: WorkflowPredictor>(
        _ predictor: inout P, workflows: [WorkflowSpec], timeModel: TimeModel = .init()
    ) -> WorkflowPredictionEvaluation {
        var points = 0, exact = 0
        var stageError = 0.0, shareError = 0.0, tokenError = 0.0
        for spec in workflows where !spec.stages.isEmpty && spec.stages.allSatisfy({ !$0.calls.isEmpty }) {
            let calls = observations(of: spec, timeModel: timeModel)
            guard let truth = WorkflowPattern(calls: calls) else { continue }
            let deadline = Duration.seconds(100)
            let total = max(1, spec.outputTokenCount)
            for c in spec.stages.indices {
                let slo = CompoundSLO(workflowID: spec.id, stage: c, workflowStartedAt: .zero, deadline: deadline)
                let first = spec.stages[c].calls[0]
                let arriving = Request(
                    id: RequestID(UInt64(points)), arrivedAt: .zero, promptTokenCount: first.promptTokenCount,
                    maxOutputTokens: max(1, first.outputTokenCount), slo: .compound(slo), application: spec.application)
                let estimate = predictor.estimate(
                    workflowID: spec.id, application: spec.application, slo: slo,
                    completed: calls.filter { $0.stage < c }, arriving: arriving)
                let trueRemaining = spec.stages.count - c - 1
                let trueShare = truth.stages.prefix(c + 1).reduce(0) { $0 + $1.workShare }
                let trueTokens = truth.stages.dropFirst(c + 1).reduce(0) { $0 + $1.outputTokenCount }
                let predictedShare = (estimate.currentStageDueAt - slo.workflowStartedAt).seconds / deadline.seconds
                points += 1
                if estimate.remainingStageCount == trueRemaining { exact += 1 }
                stageError += Double(abs(estimate.remainingStageCount - trueRemaining))
                shareError += abs(predictedShare - trueShare)
                tokenError += Double(abs(estimate.remainingFutureOutputTokens - trueTokens)) / Double(total)
            }
            let slo = CompoundSLO(workflowID: spec.id, stage: spec.stages.count - 1, workflowStartedAt: .zero, deadline: deadline)
            predictor.observeFinished(workflowID: spec.id, application: spec.application, slo: slo, calls: calls)
        }
        let n = Double(max(1, points))
        return WorkflowPredictionEvaluation(
            predictor: predictor.name, points: points, workflows: workflows.count,
            remainingStagesMAE: stageError / n, remainingStagesExact: Double(exact) / n,
            shareMAE: shareError / n, remainingTokensRelativeError: tokenError / n)
    }
}
