import JITServeCore

/// What only a trace replay knows and only `…-oracle` policies are told: every call's true
/// output length and every workflow's true shape. The simulation side builds it from its plan.
public struct OracleKnowledge {
    public var lengths: any OutputLengthPredictor
    public var workflows: any WorkflowPredictor

    public init(lengths: any OutputLengthPredictor, workflows: any WorkflowPredictor) {
        self.lengths = lengths
        self.workflows = workflows
    }
}
