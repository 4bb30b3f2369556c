import Foundation
import JITServeCore

/// The workflow pattern analyzer (name `pattern`, DESIGN §4): learns the shapes of finished
/// workflows and predicts, for a running one, how many stages remain, how many output tokens
/// they will produce, and the current stage's sub-deadline — its cumulative share of the
/// workflow deadline through the current stage, taken from the most similar stored patterns.
///
/// A value type: `observeFinished` mutates it, as the protocol requires; `estimate` is pure, so
/// it is safe to call from any copy. Until `minimumFinished` workflows of an application have
/// finished it answers with the per-application default (`UniformShareWorkflowPredictor`).
public struct WorkflowPatternAnalyzer: WorkflowPredictor {
    public let name = "pattern"

    public struct Configuration: Sendable, Equatable {
        /// Most patterns kept (all applications together).
        public var capacity: Int
        public var clustersPerApplication: Int
        /// Finished workflows of an application before its patterns are trusted.
        public var minimumFinished: Int
        /// Patterns blended (weighted by similarity) into one estimate.
        public var neighbourCount: Int

        public init(capacity: Int = 128, clustersPerApplication: Int = 8, minimumFinished: Int = 3, neighbourCount: Int = 3) {
            self.capacity = capacity
            self.clustersPerApplication = clustersPerApplication
            self.minimumFinished = minimumFinished
            self.neighbourCount = neighbourCount
        }
    }

    public let configuration: Configuration
    public private(set) var store: WorkflowPatternStore
    public private(set) var fallback: UniformShareWorkflowPredictor

    public init(configuration: Configuration = .init(), fallback: UniformShareWorkflowPredictor = .init()) {
        self.configuration = configuration
        self.store = WorkflowPatternStore(capacity: max(1, configuration.capacity),
                                          clustersPerApplication: max(1, configuration.clustersPerApplication))
        self.fallback = fallback
    }

    public func estimate(
        workflowID: WorkflowID, application: String?, slo: CompoundSLO,
        completed: [CallObservation], arriving: Request
    ) -> WorkflowEstimate {
        let key = UniformShareWorkflowPredictor.key(application, arriving)
        // The per-type default, computed only when the patterns cannot answer.
        func cold() -> WorkflowEstimate {
            fallback.estimate(workflowID: workflowID, application: application, slo: slo, completed: completed, arriving: arriving)
        }
        guard fallback.finishedCount(application: key) >= configuration.minimumFinished else { return cold() }
        let progress = WorkflowProgress(completed: completed, stage: slo.stage, arrivingPromptTokenCount: arriving.promptTokenCount)
        let matches = store.nearest(to: progress, application: key, count: max(1, configuration.neighbourCount))
        guard !matches.isEmpty else { return cold() }
        let current = progress.currentStageIndex
        var weight = 0.0, remaining = 0.0, tokens = 0.0, criticalPath = 0.0, share = 0.0
        // Neighbours far worse than the best match are other shapes, not evidence about this one.
        let best = matches[0].similarity
        for (entry, similarity) in matches where similarity >= 0.5 * best {
            let stages = entry.pattern.stages
            let w = max(pow(similarity, 4), 1e-300)
            weight += w
            remaining += w * Double(max(0, stages.count - current - 1))
            tokens += w * Double(stages.dropFirst(current + 1).reduce(0) { $0 + $1.outputTokenCount })
            criticalPath += w * Double(stages.dropFirst(current + 1).reduce(0) { $0 + $1.longestOutputTokenCount })
            share += w * (current < stages.count ? stages.prefix(current + 1).reduce(0) { $0 + $1.workShare } : 1)
        }
        return WorkflowEstimate(
            remainingStageCount: Int((remaining / weight).rounded()),
            remainingFutureOutputTokens: Int((tokens / weight).rounded()),
            remainingCriticalPathTokens: Int((criticalPath / weight).rounded()),
            currentStageDueAt: slo.workflowStartedAt + slo.deadline * min(1, share / weight))
    }

    public mutating func observeCallFinished(workflowID: WorkflowID, application: String?, calls: [CallObservation]) {
        fallback.observeCallFinished(workflowID: workflowID, application: application, calls: calls)
    }

    public mutating func observeFinished(
        workflowID: WorkflowID, application: String?, slo: CompoundSLO, calls: [CallObservation]
    ) {
        fallback.observeFinished(workflowID: workflowID, application: application, slo: slo, calls: calls)
        guard let pattern = WorkflowPattern(calls: calls) else { return }
        store.insert(pattern, application: application ?? "default")
    }
}
