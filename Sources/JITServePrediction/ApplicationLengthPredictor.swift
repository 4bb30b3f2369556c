import Foundation
import JITServeCore

/// The length estimator every non-oracle policy reads (DESIGN §4): the base (the shipped
/// forest) kept honest by what the served model actually produces, per application.
///
/// Two things are learnt online, both from finished requests:
/// - **Per-application lengths for requests without prompt text.** A request known only by
///   its token count (a tool call replayed from a trace, an agent's call) is answered by the
///   token-count forest, which can only say "chat-like": for an application whose answers are
///   much shorter or longer that bound is wrong every time. Once `minimumObserved` requests of
///   an application have finished, the `neighbourCount` of its last `window` whose prompt
///   lengths are nearest (on a log scale) are the better prior.
/// - **Calibration of everything else** (`calibration`, see `LengthCalibrator`): the forest
///   was grown on one model's answers; the served model's are longer or shorter. Each
///   (served model, application, text or token-count estimate) keeps its own window of how
///   far recent true lengths fell from the forest's distribution, and every new distribution
///   is corrected by it, so a bound at quantile q covers about q of the served model's
///   answers, before and after tokens have been generated.
public struct ApplicationLengthPredictor: OutputLengthPredictor {
    public var name: String { base.name + "+app" + (calibration == nil ? "" : "+cal") }
    public private(set) var base: any OutputLengthPredictor
    /// Most recent finished requests kept per application for the neighbour estimate.
    public let window: Int
    /// Finished requests of an application before its own lengths are used.
    public let minimumObserved: Int
    /// Observations of nearest prompt length that make one estimate.
    public let neighbourCount: Int
    /// The model whose answers are learnt: part of every calibration key.
    public let servedModel: String
    /// Calibration settings; nil leaves the base's distributions uncorrected.
    public let calibration: LengthCalibrator.Options?

    private var histories: [String: History] = [:]
    private var calibrators: [CalibrationKey: LengthCalibrator] = [:]
    private var pending = PendingBounds(capacity: 1 << 14)

    public init(
        base: any OutputLengthPredictor, window: Int = 512, minimumObserved: Int = 32, neighbourCount: Int = 64,
        servedModel: String = "", calibration: LengthCalibrator.Options? = nil
    ) {
        self.base = base
        self.window = max(1, window)
        self.minimumObserved = max(1, minimumObserved)
        self.neighbourCount = max(1, neighbourCount)
        self.servedModel = servedModel
        self.calibration = calibration
    }

    /// The estimator `serve`, `simulate` and `bench` give every non-oracle policy: `forest`
    /// with per-application lengths, calibrated to `servedModel` unless `calibration` is nil.
    public static func estimator(
        forest: any OutputLengthPredictor, servedModel: String, calibration: LengthCalibrator.Options?
    ) -> ApplicationLengthPredictor {
        ApplicationLengthPredictor(base: forest, servedModel: servedModel, calibration: calibration)
    }

    public mutating func distribution(for request: Request) -> LengthDistribution {
        let (key, raw) = uncalibratedEstimate(for: request)
        guard calibration != nil else { return raw.capped(at: request.maxOutputTokens) }
        pending.insert(request.id, key: key, base: raw)
        return (calibrators[key]?.calibrate(raw) ?? raw).capped(at: request.maxOutputTokens)
    }

    public mutating func observe(_ request: Request, outputTokenCount: Int) {
        base.observe(request, outputTokenCount: outputTokenCount)
        let given = pending.remove(request.id)
        guard outputTokenCount > 0 else { return }
        // A request whose estimate is no longer held (or was never asked for) is scored
        // against its estimate recomputed — before its own length joins the neighbours.
        let estimate = calibration == nil ? nil : given ?? uncalibratedEstimate(for: request)
        if let app = request.application {
            histories[app, default: History()].insert((request.promptTokenCount, outputTokenCount), window: window)
        }
        guard let estimate, let options = calibrationOptions(for: estimate.key.source) else { return }
        calibrators[estimate.key, default: LengthCalibrator(options: options)].record(truth: outputTokenCount, base: estimate.base)
    }

    /// A cancelled request's estimate is dropped at once: held until the ring of pending
    /// estimates came round, every cancel kept ~100 B for 16 k requests.
    public mutating func forget(_ request: Request) {
        base.forget(request)
        _ = pending.remove(request.id)
    }

    /// Estimates held for requests that have not reported back.
    public var pendingCount: Int { pending.count }

    /// The calibration window `request`'s outcome would feed if it arrived now.
    public func calibrationKey(for request: Request) -> CalibrationKey {
        let source: CalibrationKey.Source = neighbourOutputs(for: request) != nil
            ? .neighbours : request.promptText?.isEmpty ?? true ? .tokenCount : .text
        return calibrationKey(for: request, source: source)
    }

    private func calibrationKey(for request: Request, source: CalibrationKey.Source) -> CalibrationKey {
        CalibrationKey(servedModel: servedModel, application: request.application ?? "", source: source)
    }

    /// Finished requests in the calibration window of `key` (0 when none).
    public func calibrationCount(for key: CalibrationKey) -> Int { calibrators[key]?.count ?? 0 }

    /// The calibration settings of estimates from `source`. Neighbour estimates are the served
    /// model's own recent lengths: their shape is already right, so they are recalibrated
    /// quantile by quantile (which keeps that shape and mends their thin tail), not anchored
    /// as the forest's are.
    func calibrationOptions(for source: CalibrationKey.Source) -> LengthCalibrator.Options? {
        guard var options = calibration else { return nil }
        if source == .neighbours { options.method = .quantileRecalibration }
        return options
    }

    /// What the request would be told before calibration, and the window its outcome feeds.
    private mutating func uncalibratedEstimate(for request: Request) -> (key: CalibrationKey, base: LengthDistribution) {
        if let outputs = neighbourOutputs(for: request) {
            return (calibrationKey(for: request, source: .neighbours), LengthDistribution(samples: outputs))
        }
        let key = calibrationKey(for: request, source: request.promptText?.isEmpty ?? true ? .tokenCount : .text)
        // Uncapped: scores compare true lengths with what the base believes, not with a cap
        // that differs from request to request; the caller caps the result.
        var uncapped = request
        uncapped.maxOutputTokens = Int(Int32.max)
        return (key, base.distribution(for: uncapped))
    }

    /// The neighbour estimate for a text-less request of an application with enough history.
    private func neighbourOutputs(for request: Request) -> [Int]? {
        guard request.promptText?.isEmpty ?? true, let app = request.application,
              let history = histories[app], history.byPrompt.count >= minimumObserved else { return nil }
        return history.nearestOutputs(prompt: request.promptTokenCount, count: neighbourCount)
    }
}
