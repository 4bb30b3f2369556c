import JITServeCore

/// The per-application default (name `uniform`): a workflow is expected to have as many stages
/// as the application's finished workflows had on average (or a configured count before any
/// finished), each taking an equal share of the deadline. The pattern analyzer's cold start,
/// and the baseline it is measured against.
public struct UniformShareWorkflowPredictor: WorkflowPredictor {
    public let name = "uniform"

    struct Statistics: Sendable {
        var finished = 0
        var stageSum = 0
        var outputSum = 0
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
        if let stats = statistics[key], stats.finished > 0 {
            expected = Double(stats.stageSum) / Double(stats.finished)
            perStageOutput = Double(stats.outputSum) / Double(stats.stageSum)
        } else {
            expected = Double(expectedStageCounts[key] ?? fallbackStageCount)
            let seen = progress.completedStages.reduce(0) { $0 + $1.outputTokenCount }
            perStageOutput = current > 0 ? Double(seen) / Double(current) : Double(fallbackStageOutputTokens)
        }
        // A workflow running past the expected count is assumed to be in its last stage.
        let total = max(Double(current + 1), expected)
        let remaining = Int((total - Double(current + 1)).rounded())
        let share = min(1, Double(current + 1) / total)
        return WorkflowEstimate(
            remainingStageCount: remaining,
            remainingFutureOutputTokens: Int((Double(remaining) * perStageOutput).rounded()),
            currentStageDueAt: slo.workflowStartedAt + slo.deadline * share)
    }

    public mutating func observeFinished(
        workflowID: WorkflowID, application: String?, slo: CompoundSLO, calls: [CallObservation]
    ) {
        guard !calls.isEmpty else { return }
        let key = application ?? "default"
        statistics[key, default: Statistics()].finished += 1
        statistics[key, default: Statistics()].stageSum += Set(calls.map(\.stage)).count
        statistics[key, default: Statistics()].outputSum += calls.reduce(0) { $0 + $1.outputTokenCount }
    }
}
