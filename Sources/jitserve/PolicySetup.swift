import JITServeCore
import JITServePrediction
import JITServeScheduling
import JITServeSimulation

/// Wires a policy name to its predictors: oracles get true lengths and shapes, every other
/// policy the shipped length forest (with per-application online lengths for text-less
/// requests) and the online workflow pattern analyzer.
struct PolicySetup {
    let scheduler: any Scheduler
    let isOracle: Bool
    /// The shipped forest, loaded once and shared by every run.
    let forest: QRFLengthPredictor?

    init(name: String, forest: QRFLengthPredictor?) throws {
        scheduler = try SchedulerCatalog.make(name)
        isOracle = SchedulerCatalog.isOracle(name)
        self.forest = forest
    }

    var lengthPredictorName: String { isOracle ? "oracle" : estimator.name }

    func lengthPredictor(_ plan: WorkloadPlan) -> any OutputLengthPredictor {
        isOracle ? OracleLengthPredictor(plan: plan) : estimator
    }

    /// What every non-oracle policy is told: the forest, with per-application online lengths.
    private var estimator: ApplicationLengthPredictor {
        ApplicationLengthPredictor(base: forest ?? MaxTokensLengthPredictor())
    }

    func workflowPredictor(_ plan: WorkloadPlan) -> (any WorkflowPredictor)? {
        isOracle ? OracleWorkflowPredictor(plan: plan) : WorkflowPatternAnalyzer()
    }

    /// Loads the shipped forest, saying why on stderr when it cannot.
    static func loadForest() -> QRFLengthPredictor? {
        do {
            return try QRFLengthPredictor.loadDefault()
        } catch {
            Console.error("warning: length predictor unavailable (\(error)); policies see no length estimates")
            return nil
        }
    }
}
