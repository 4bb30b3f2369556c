import ArgumentParser
import JITServePrediction
import JITServeSetup

/// Which length forest non-oracle policies read, and how it is calibrated online to the
/// served model (`serve`, `generate`, `simulate`, `bench`).
struct PredictorOptions: ParsableArguments {
    /// `--calibration` values.
    enum Calibration: String, ExpressibleByArgument, CaseIterable {
        case conformal, pit, off
    }

    @Option(help: "Length forest to load (from `predictor train`; default: the one that ships with jitserve).")
    var predictor: String?

    @Option(help: ArgumentHelp(
        "Online calibration of length bounds to the served model: conformal, pit (quantile recalibration) or off (the forest alone).",
        valueName: "method"))
    var calibration: Calibration = .conformal

    @Option(help: "Finished requests each calibration window keeps (per application).")
    var calibrationWindow = LengthCalibrator.Options().window

    func validate() throws {
        guard calibrationWindow >= 1 else { throw ValidationError("--calibration-window must be at least 1, got \(calibrationWindow)") }
    }

    /// The calibration settings chosen (nil for `off`).
    var calibrationOptions: LengthCalibrator.Options? {
        switch calibration {
        case .off: nil
        case .conformal: LengthCalibrator.Options(method: .conformal, window: calibrationWindow)
        case .pit: LengthCalibrator.Options(method: .quantileRecalibration, window: calibrationWindow)
        }
    }

    /// Loads the forest: a `--predictor` file that cannot be read is an error; a missing
    /// shipped model only a warning (policies then see no length estimates).
    func lengths(servedModel: String) throws -> LengthEstimatorSettings {
        let forest = try predictor.map { try QRFLengthPredictor.load(path: $0) } ?? EngineBuilder.loadForest(warn: Console.error)
        return LengthEstimatorSettings(forest: forest, servedModel: servedModel, calibration: calibrationOptions)
    }
}
