import JITServeCore
import JITServePrediction
import JITServeScheduling
import JITServeSimulation

/// Wires a policy name to its predictors: oracles get true lengths and shapes, every other
/// policy the length estimator (the forest, with per-application online lengths for text-less
/// requests, calibrated online to the served model) and the online workflow pattern analyzer.
struct PolicySetup {
    /// What every non-oracle policy's length estimator is built from, loaded once and shared
    /// by every run.
    struct Lengths: Sendable {
        /// The length forest; nil when none could be loaded (bounds then start at max_tokens).
        var forest: QRFLengthPredictor?
        /// The model being served (or simulated): part of every calibration key.
        var servedModel: String
        /// nil: the forest's bounds uncorrected.
        var calibration: LengthCalibrator.Options?
    }

    let scheduler: any Scheduler
    let isOracle: Bool
    let lengths: Lengths

    init(name: String, lengths: Lengths) throws {
        scheduler = try SchedulerCatalog.make(name)
        isOracle = SchedulerCatalog.isOracle(name)
        self.lengths = lengths
    }

    var lengthPredictorName: String { isOracle ? "oracle" : estimator.name }

    func lengthPredictor(_ plan: WorkloadPlan) -> any OutputLengthPredictor {
        isOracle ? OracleLengthPredictor(plan: plan) : estimator
    }

    /// A fresh estimator (it learns during a run, so each run gets its own).
    private var estimator: ApplicationLengthPredictor {
        ApplicationLengthPredictor.estimator(
            forest: lengths.forest ?? MaxTokensLengthPredictor(), servedModel: lengths.servedModel,
            calibration: lengths.calibration)
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
