import JITServePrediction

/// What every non-oracle policy's length estimator is built from (DESIGN §4), loaded once and
/// shared by every engine built: the forest, the served model whose answers calibrate it, and
/// how.
public struct LengthEstimatorSettings: Sendable {
    /// The length forest; nil when none could be loaded (bounds then start at max_tokens).
    public var forest: QRFLengthPredictor?
    /// The model being served (or simulated): part of every calibration key.
    public var servedModel: String
    /// nil: the forest's bounds uncorrected.
    public var calibration: LengthCalibrator.Options?

    public init(forest: QRFLengthPredictor?, servedModel: String, calibration: LengthCalibrator.Options? = .init()) {
        self.forest = forest
        self.servedModel = servedModel
        self.calibration = calibration
    }

    /// A fresh estimator: it learns while it serves, so each engine gets its own.
    func makeEstimator() -> ApplicationLengthPredictor {
        ApplicationLengthPredictor.estimator(
            forest: forest ?? MaxTokensLengthPredictor(), servedModel: servedModel, calibration: calibration)
    }
}
