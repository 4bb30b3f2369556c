import Foundation
import JITServeCore

/// What a running workflow has shown when one of its calls arrives: the stages it has
/// completed and, of the stage now running, the calls sent so far.
public struct WorkflowProgress: Hashable, Sendable {
    /// Completed stages in order (their `workShare` is not known yet and left at 0).
    public var completedStages: [WorkflowPattern.Stage]
    /// Calls of the current stage seen so far (finished ones plus the arriving call).
    public var currentKnownCallCount: Int
    /// Mean of log(1 + prompt tokens) over those calls.
    public var currentMeanLogInput: Double

    public init(completedStages: [WorkflowPattern.Stage], currentKnownCallCount: Int, currentMeanLogInput: Double) {
        self.completedStages = completedStages
        self.currentKnownCallCount = currentKnownCallCount
        self.currentMeanLogInput = currentMeanLogInput
    }

    /// Progress of a workflow whose call for stage `stage` (prompt `arrivingPromptTokenCount`)
    /// arrives after `completed`. Stages are renumbered densely in order, so a stage index the
    /// agent skipped does not count as a missing stage; completed calls of later stages than
    /// `stage` (out of order) are ignored.
    public init(completed: [CallObservation], stage: Int, arrivingPromptTokenCount: Int) {
        let earlier = Dictionary(grouping: completed.filter { $0.stage < stage }, by: \.stage)
        completedStages = earlier.keys.sorted().map { WorkflowPattern.Stage(calls: earlier[$0]!) }
        let current = completed.filter { $0.stage == stage }
        currentKnownCallCount = current.count + 1
        currentMeanLogInput = (current.reduce(0) { $0 + log1p(Double($1.promptTokenCount)) }
            + log1p(Double(arrivingPromptTokenCount))) / Double(current.count + 1)
    }

    /// Index (dense) of the current stage.
    public var currentStageIndex: Int { completedStages.count }
}
