import JITServeCore
import JITServeEngine
import JITServePrediction
import JITServeScheduling

/// The one place where a policy name becomes an engine, for every world that runs one —
/// `serve`, `simulate`, `bench` and `generate` alike (DESIGN §2: one scheduler codebase drives
/// both worlds, told the same things).
///
/// Every non-oracle policy is told the same estimates (DESIGN §4): the length forest for
/// requests with prompt text, each application's recent output lengths for requests without,
/// both calibrated online to the served model's answers (`ApplicationLengthPredictor`), and the
/// workflow pattern analyzer's stage sub-deadlines. Only `…-oracle` policies are told the truth, which only a trace replay can
/// supply (`OracleKnowledge`).
public struct EngineBuilder: Sendable {
    public let policyName: String
    /// Settable so a diagnosis (`bench anatomy`) can wrap it and watch every decision.
    public var scheduler: any Scheduler
    public let isOracle: Bool
    /// What non-oracle policies' length estimates are built from.
    public let lengths: LengthEstimatorSettings
    public var configuration: EngineConfiguration

    /// - Throws: `SchedulingError.unknownScheduler` for a name the catalogue lacks.
    public init(policy: String, lengths: LengthEstimatorSettings, configuration: EngineConfiguration = .init()) throws {
        policyName = policy
        scheduler = try SchedulerCatalog.make(policy)
        isOracle = SchedulerCatalog.isOracle(policy)
        self.lengths = lengths
        self.configuration = configuration
    }

    /// The name reports give the length predictor: `oracle`, or the estimator's.
    public var lengthPredictorName: String { isOracle ? "oracle" : estimator.name }

    /// What every non-oracle policy is told about lengths (a fresh, still unlearnt estimator).
    var estimator: ApplicationLengthPredictor { lengths.makeEstimator() }

    /// An engine around `executor`, its policy told what its kind of policy is told.
    ///
    /// - Parameters:
    ///   - textCodec: Makes each request's output text (a server, `generate`); nil in replay.
    ///   - oracle: The truth, for an oracle policy; asked for only when the policy is one.
    /// - Throws: `SetupError.oracleNeedsTrace` when an oracle policy gets no oracle.
    public func makeEngine(
        executor: any Executor, textCodec: (any TextCodec)? = nil, oracle: (() -> OracleKnowledge)? = nil
    ) throws(SetupError) -> EngineCore {
        let lengths: any OutputLengthPredictor
        let workflows: any WorkflowPredictor
        if isOracle {
            guard let oracle else { throw .oracleNeedsTrace(policy: policyName) }
            let truth = oracle()
            (lengths, workflows) = (truth.lengths, truth.workflows)
        } else {
            (lengths, workflows) = (estimator, WorkflowPatternAnalyzer())
        }
        return EngineCore(
            executor: executor, scheduler: scheduler, configuration: configuration, lengthPredictor: lengths,
            workflowPredictor: workflows, textCodec: textCodec)
    }

    /// Loads the shipped forest; when it cannot, says why through `warn` and returns nil (every
    /// policy is then told only each request's output cap, and each application's recent
    /// lengths once seen).
    public static func loadForest(warn: (String) -> Void) -> QRFLengthPredictor? {
        do {
            return try QRFLengthPredictor.loadDefault()
        } catch {
            warn("warning: length forest unavailable (\(error)); policies are told only max_tokens "
                 + "and each application's recent output lengths")
            return nil
        }
    }
}
