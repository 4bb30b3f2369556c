import Foundation
import JITServeCore

/// A finished workflow reduced to its shape (DESIGN §4): stages in order, each with its call
/// count, typical input and output length (on a log scale) and its share of the workflow's
/// critical-path work.
public struct WorkflowPattern: Hashable, Sendable {
    /// One stage: calls that ran between two barriers.
    public struct Stage: Hashable, Sendable {
        public var callCount: Int
        /// Mean of log(1 + prompt tokens) over the stage's calls.
        public var meanLogInput: Double
        /// Mean of log(1 + output tokens) over the stage's calls.
        public var meanLogOutput: Double
        /// Output tokens of all the stage's calls.
        public var outputTokenCount: Int
        /// Output tokens of its longest call: how long the stage holds up the workflow.
        public var longestOutputTokenCount: Int
        /// Share (0…1) of the workflow's critical-path work (`WorkflowSpec.Call.criticalPathWork`
        /// of its slowest call) in this stage; shares sum to 1.
        public var workShare: Double

        /// `longestOutputTokenCount` nil: the whole stage's output (as if its calls ran one
        /// after another).
        public init(
            callCount: Int, meanLogInput: Double, meanLogOutput: Double, outputTokenCount: Int,
            longestOutputTokenCount: Int? = nil, workShare: Double
        ) {
            self.callCount = callCount
            self.meanLogInput = meanLogInput
            self.meanLogOutput = meanLogOutput
            self.outputTokenCount = outputTokenCount
            self.longestOutputTokenCount = min(longestOutputTokenCount ?? outputTokenCount, outputTokenCount)
            self.workShare = workShare
        }

        /// Summary of `calls` (non-empty); `workShare` is filled in by the caller.
        init(calls: [CallObservation], workShare: Double = 0) {
            let n = Double(calls.count)
            self.init(
                callCount: calls.count,
                meanLogInput: calls.reduce(0) { $0 + log1p(Double($1.promptTokenCount)) } / n,
                meanLogOutput: calls.reduce(0) { $0 + log1p(Double($1.outputTokenCount)) } / n,
                outputTokenCount: calls.reduce(0) { $0 + $1.outputTokenCount },
                longestOutputTokenCount: calls.map(\.outputTokenCount).max() ?? 0,
                workShare: workShare)
        }
    }

    /// Distance charged for a stage one graph has and the other lacks (≈ an e-fold mismatch in
    /// each of count, input and output).
    public static let missingStagePenalty = 3.0

    public var stages: [Stage]

    public init(stages: [Stage]) { self.stages = stages }

    /// The pattern of a finished workflow, from every call it made; nil when `calls` is empty.
    ///
    /// Stage shares come from token counts, not from how long the stages took: wall time under
    /// load measures the queue as much as the stage, and a sub-deadline cut from it would repeat
    /// whatever delays the last run suffered.
    public init?(calls: [CallObservation]) {
        guard !calls.isEmpty else { return nil }
        let byStage = Dictionary(grouping: calls, by: \.stage)
        let order = byStage.keys.sorted()
        let work = order.map { stage in
            byStage[stage]!.map {
                WorkflowSpec.Call.criticalPathWork(promptTokenCount: $0.promptTokenCount, outputTokenCount: $0.outputTokenCount)
            }.max()!
        }
        let total = work.reduce(0, +)
        stages = zip(order, work).map { stage, w in
            Stage(calls: byStage[stage]!, workShare: total > 0 ? w / total : 1 / Double(order.count))
        }
    }

    /// Distance between two complete stages: log-ratio of call counts plus the gaps in mean
    /// log input and output length.
    static func distance(_ a: Stage, _ b: Stage) -> Double {
        abs(log(Double(a.callCount)) - log(Double(b.callCount)))
            + abs(a.meanLogInput - b.meanLogInput) + abs(a.meanLogOutput - b.meanLogOutput)
    }

    /// Similarity in (0, 1] of two complete patterns: exp(−mean stage distance) over the longer
    /// one's stages. Symmetric, and 1 exactly when the shapes (ignoring work shares) coincide.
    public static func similarity(_ a: WorkflowPattern, _ b: WorkflowPattern) -> Double {
        let longest = max(a.stages.count, b.stages.count)
        guard longest > 0 else { return 1 }
        var total = 0.0
        for i in 0..<longest {
            if i < a.stages.count && i < b.stages.count {
                total += distance(a.stages[i], b.stages[i])
            } else {
                total += missingStagePenalty
            }
        }
        return exp(-total / Double(longest))
    }

    /// Similarity in (0, 1] of this pattern to a running workflow's progress: its completed
    /// stages compared in full, its current stage on what is known (the inputs of the calls sent
    /// so far, and that the stage has at least that many calls).
    public func similarity(to progress: WorkflowProgress) -> Double {
        var total = 0.0
        for (i, stage) in progress.completedStages.enumerated() {
            total += i < stages.count ? Self.distance(stage, stages[i]) : Self.missingStagePenalty
        }
        let c = progress.completedStages.count
        if c < stages.count {
            let current = stages[c]
            total += abs(progress.currentMeanLogInput - current.meanLogInput)
            if progress.currentKnownCallCount > current.callCount {
                total += log(Double(progress.currentKnownCallCount) / Double(current.callCount))
            }
        } else {
            total += Self.missingStagePenalty
        }
        return exp(-total / Double(c + 1))
    }
}
