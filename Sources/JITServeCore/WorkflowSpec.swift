/// The shape of a compound request: stages of calls, each stage waiting for every call of the
/// stage before it (a barrier, as in Tree-of-Thoughts' BFS steps and MetaGPT's rounds).
///
/// A workload knows this shape; a serving system does not — it sees each call only when the
/// agent sends it. Only the workflow analyzer's guesses (or an oracle) reach a scheduler.
public struct WorkflowSpec: Identifiable, Sendable {
    /// One call of a stage.
    public struct Call: Hashable, Sendable {
        public var promptTokenCount: Int
        public var outputTokenCount: Int

        public init(promptTokenCount: Int, outputTokenCount: Int) {
            self.promptTokenCount = promptTokenCount
            self.outputTokenCount = outputTokenCount
        }

        /// How long the call holds up its stage, in decode steps: each output token is one
        /// step, and a prompt token costs about 1/50 of one in a batched iteration.
        public var criticalPathWork: Double {
            Self.criticalPathWork(promptTokenCount: promptTokenCount, outputTokenCount: outputTokenCount)
        }

        /// `criticalPathWork` of a call of these sizes: the unit in which stage sub-deadlines
        /// are shared out, by the analyzer (from finished calls) and the oracle (from the shape).
        public static func criticalPathWork(promptTokenCount: Int, outputTokenCount: Int) -> Double {
            Double(outputTokenCount) + Double(promptTokenCount) / 50
        }
    }

    /// Calls that may run in parallel once every call of the previous stage has finished.
    public struct Stage: Hashable, Sendable {
        public var calls: [Call]
        /// Time the agent spends between the previous stage's end and this stage's calls
        /// (tool execution, parsing); zero when the trace does not record it.
        public var delayBefore: Duration

        public init(calls: [Call], delayBefore: Duration = .zero) {
            self.calls = calls
            self.delayBefore = delayBefore
        }

        /// A stage lasts as long as its slowest call.
        public var criticalPathWork: Double { calls.map(\.criticalPathWork).max() ?? 0 }
    }

    public let id: WorkflowID
    /// The application that produced it (`tot`, `metagpt`, …).
    public var application: String
    public var stages: [Stage]

    public init(id: WorkflowID, application: String, stages: [Stage]) {
        self.id = id
        self.application = application
        self.stages = stages
    }

    public var callCount: Int { stages.reduce(0) { $0 + $1.calls.count } }
    public var outputTokenCount: Int {
        stages.reduce(0) { $0 + $1.calls.reduce(0) { $0 + $1.outputTokenCount } }
    }
}
