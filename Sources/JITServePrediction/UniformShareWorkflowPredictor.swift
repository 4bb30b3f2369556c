import JITServeCore

/// The per-application default (name `uniform`): a workflow is expected to have as many stages
/// as the application's finished workflows had on average (before any finished: what its running
/// workflows have shown, floored by the configured count and other applications' finished
/// workflows), each taking an equal share of the deadline. The pattern analyzer's cold start,
/// and the baseline it is measured against.
public struct UniformShareWorkflowPredictor: WorkflowPredictor {
    public let name = "uniform"

    struct Statistics: Sendable {
        var finished = 0
        var stageSum = 0
        var outputSum = 0
        /// Over the same stages, each stage's longest call: the critical path's share.
        var longestSum = 0
        /// Deepest stage count any workflow has been seen to reach, running ones included: a
        /// floor on what an unfinished one will have.
        var deepestStageCount = 0
        /// Completed stages of running workflows (a stage is complete once a later one has
        /// a finished call) and their output tokens.
        var completedStageCount = 0
        var completedStageOutputSum = 0
        var completedStageLongestSum = 0
    }

    /// Stage count assumed for an application before any of its workflows has finished.
    public var expectedStageCounts: [String: Int]
    /// Stage count assumed for an application nothing is known about.
    public var fallbackStageCount: Int
    /// Output tokens assumed per future stage when nothing better is known.
    public var fallbackStageOutputTokens: Int
    private var statistics: [String: Statistics] = [:]

    public init(expectedStageCounts: [String: Int] = [:], fallbackStageCount: Int = 4, fallbackStageOutputTokens: Int = 256) {
        self.expectedStageCounts = expectedStageCounts
        self.fallbackStageCount = max(1, fallbackStageCount)
        self.fallbackStageOutputTokens = max(0, fallbackStageOutputTokens)
    }

    /// Workflows of `application` seen finishing.
    public func finishedCount(application: String) -> Int { statistics[application]?.finished ?? 0 }

    static func key(_ application: String?, _ arriving: Request) -> String {
        application ?? arriving.application ?? "default"
    }

    public func estimate(
        workflowID: WorkflowID, application: String?, slo: CompoundSLO,
        completed: [CallObservation], arriving: Request
    ) -> WorkflowEstimate {
        let key = Self.key(application, arriving)
        let progress = WorkflowProgress(completed: completed, stage: slo.stage, arrivingPromptTokenCount: arriving.promptTokenCount)
        let current = progress.currentStageIndex
        let expected: Double
        let perStageOutput: Double
        let perStageLongest: Double
        let stats = statistics[key] ?? Statistics()
        if stats.finished > 0 {
            expected = Double(stats.stageSum) / Double(stats.finished)
            perStageOutput = Double(stats.outputSum) / Double(stats.stageSum)
            perStageLongest = Double(stats.longestSum) / Double(stats.stageSum)
        } else {
            // None of the application's workflows has finished: it is assumed as deep as any of
            // its running ones has gone and as wordy per stage as their completed stages, and —
            // conservatively — no smaller than the workflows other applications have finished.
            // Under overload the application whose workflows never finish is the one whose
            // size matters most: told 4 stages of 256 tokens, a policy pursues workflows that
            // were never going to make their deadline.
            let pooled = statistics.values.reduce(into: Statistics()) {
                $0.finished += $1.finished
                $0.stageSum += $1.stageSum
                $0.outputSum += $1.outputSum
                $0.longestSum += $1.longestSum
            }
            var stages = Double(max(expectedStageCounts[key] ?? fallbackStageCount, stats.deepestStageCount))
            let seen = progress.completedStages.reduce(0) { $0 + $1.outputTokenCount }
            let seenLongest = progress.completedStages.reduce(0) { $0 + $1.longestOutputTokenCount }
            var output: Double, longest: Double
            if stats.completedStageCount > 0 {
                output = Double(stats.completedStageOutputSum) / Double(stats.completedStageCount)
                longest = Double(stats.completedStageLongestSum) / Double(stats.completedStageCount)
            } else if current > 0 {
                output = Double(seen) / Double(current)
                longest = Double(seenLongest) / Double(current)
            } else {
                // Nothing seen: one call per stage, the longest the future can take.
                output = Double(fallbackStageOutputTokens)
                longest = output
            }
            if pooled.finished > 0 {
                stages = max(stages, Double(pooled.stageSum) / Double(pooled.finished))
                output = max(output, Double(pooled.outputSum) / Double(max(1, pooled.stageSum)))
                longest = max(longest, Double(pooled.longestSum) / Double(max(1, pooled.stageSum)))
            }
            expected = stages
            perStageOutput = output
            perStageLongest = longest
        }
        // A workflow running past the expected count is assumed to be in its last stage.
        let total = max(Double(current + 1), expected)
        let remaining = Int((total - Double(current + 1)).rounded())
        let share = min(1, Double(current + 1) / total)
        return WorkflowEstimate(
            remainingStageCount: remaining,
            remainingFutureOutputTokens: Int((Double(remaining) * perStageOutput).rounded()),
            remainingCriticalPathTokens: Int((Double(remaining) * perStageLongest).rounded()),
            currentStageDueAt: slo.workflowStartedAt + slo.deadline * share)
    }

    public mutating func observeCallFinished(workflowID: WorkflowID, application: String?, calls: [CallObservation]) {
        guard let last = calls.last else { return }
        let key = application ?? "default"
        var stats = statistics[key] ?? Statistics()
        // Stages are counted densely, as `WorkflowProgress` counts them.
        let stages = Set(calls.map(\.stage))
        stats.deepestStageCount = max(stats.deepestStageCount, stages.count)
        // The first finished call of a new stage completes the stage before it.
        let isFirstOfStage = calls.dropLast().allSatisfy { $0.stage != last.stage }
        if isFirstOfStage, let previous = stages.filter({ $0 < last.stage }).max() {
            stats.completedStageCount += 1
            let outputs = calls.lazy.filter { $0.stage == previous }.map(\.outputTokenCount)
            stats.completedStageOutputSum += outputs.reduce(0, +)
            stats.completedStageLongestSum += outputs.max() ?? 0
        }
        statistics[key] = stats
    }

    public mutating func observeFinished(
        workflowID: WorkflowID, application: String?, slo: CompoundSLO, calls: [CallObservation]
    ) {
        guard !calls.isEmpty else { return }
        let key = application ?? "default"
        statistics[key, default: Statistics()].finished += 1
        statistics[key, default: Statistics()].stageSum += Set(calls.map(\.stage)).count
        statistics[key, default: Statistics()].outputSum += calls.reduce(0) { $0 + $1.outputTokenCount }
        statistics[key, default: Statistics()].longestSum += Dictionary(grouping: calls, by: \.stage).values
            .reduce(0) { $0 + ($1.map(\.outputTokenCount).max() ?? 0) }
    }
}
