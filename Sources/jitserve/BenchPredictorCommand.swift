import ArgumentParser
import Foundation
import JITServeCore
import JITServePrediction

/// `jitserve bench predictor`: how long a length prediction and a workflow estimate take, and
/// how big the model is.
struct BenchPredictorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predictor",
        abstract: "Prediction latency (p50/p99) of the length forest, its online calibration and the workflow analyzer, and model size."
    )

    @Option(help: "Model file (default: the model that ships with jitserve).")
    var model: String?
    @Option(help: "Prompts to time (JSONL as for `predictor eval`); its held-out rows are used.")
    var data = "../shared/data/sharegpt/sharegpt_first_turn.jsonl"
    @Option(help: "Passes over the prompts.")
    var passes = 5

    func run() async throws {
        let clock = ContinuousClock()
        let loadStart = clock.now
        let predictor = try model.map { try QRFLengthPredictor.load(path: $0) } ?? QRFLengthPredictor.loadDefault()
        let loadTime = clock.now - loadStart
        let all = try PredictorCommand.loadExamples(path: data, skipBadRows: true)
        let (_, rows) = PredictorCommand.select(all, split: .auto, preferred: .test)
        let requests = rows.enumerated().map { k, row in
            Request(id: RequestID(UInt64(k)), arrivedAt: .zero, promptTokenCount: row.promptTokenCount,
                    promptText: row.promptText, maxOutputTokens: 4096, slo: .deadline(ttlt: .seconds(8)))
        }
        // Wall time and this thread's CPU time per call: on a shared, loaded machine the wall
        // clock's tail is mostly preemption, which the CPU clock leaves out.
        func time(_ body: (Request) -> Int) -> (wall: LatencySummary, cpu: LatencySummary) {
            var wall: [Double] = [], cpu: [Double] = []
            var sink = 0
            for _ in 0..<max(1, passes) {
                for request in requests {
                    let cpuStart = Self.threadCPUSeconds()
                    let start = clock.now
                    sink &+= body(request)
                    wall.append((clock.now - start).seconds)
                    cpu.append(Self.threadCPUSeconds() - cpuStart)
                }
            }
            if sink == .min { print("") }  // keeps the work observable to the optimiser
            return (LatencySummary(wall), LatencySummary(cpu))
        }
        let withText = time { predictor.distribution(for: $0).upperBound(quantile: 0.95) }
        let tokenOnly = time { request in
            var copy = request
            copy.promptText = nil
            return predictor.distribution(for: copy).upperBound(quantile: 0.95)
        }
        let distributions = requests.map { predictor.distribution(for: $0) }
        var index = 0
        let refine = time { _ in
            index = (index + 1) % distributions.count
            return distributions[index].upperBound(quantile: 0.95, generated: 64)
        }
        let (calibratedEstimate, forestAlone, calibrationBound, calibrationUpdate, updateSamples) = benchCalibration(
            predictor: predictor, requests: requests, truths: rows.map(\.outputTokenCount))
        let workflow = benchWorkflowEstimate()
        let bytes = predictor.serialized().count
        let trees = predictor.textForest.trees + predictor.tokenCountForest.trees
        print("model: \(bytes) bytes (\(String(format: "%.2f", Double(bytes) / 1_048_576)) MiB), "
              + "\(predictor.textForest.trees.count) + \(predictor.tokenCountForest.trees.count) trees, "
              + "\(trees.reduce(0) { $0 + $1.nodeCount }) nodes, \(trees.reduce(0) { $0 + $1.leafValues.count }) leaf samples; "
              + "load \(String(format: "%.1f", loadTime.milliseconds)) ms")
        print("prompts: \(requests.count) (\(data)), \(max(1, passes)) passes")
        print("operation                            wall_p50_us  wall_p99_us  cpu_p50_us  cpu_p99_us")
        for (name, summary) in [("qrf distribution + bound (text)", withText), ("qrf distribution + bound (tokens)", tokenOnly),
                                ("refined bound (g = 64)", refine),
                                ("calibrated estimate + bound (text)", calibratedEstimate),
                                ("  forest alone, interleaved", forestAlone),
                                ("calibration per bound", calibrationBound), ("calibration per update", calibrationUpdate),
                                ("workflow estimate (128 patterns)", workflow)] {
            print(name.padding(toLength: 35, withPad: " ", startingAt: 0)
                  + String(format: "  %11.1f  %11.1f  %10.1f  %10.1f", summary.wall.p50 * 1e6, summary.wall.p99 * 1e6,
                           summary.cpu.p50 * 1e6, summary.cpu.p99 * 1e6))
        }
        // Every 16th update refits the calibration line and re-sorts the window: the tail,
        // not the median, says whether an update's cost is bounded.
        func tail(_ samples: [Double]) -> String {
            let sorted = samples.sorted()
            guard let last = sorted.last else { return "-" }
            let p999 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.999).rounded(.up)) - 1)]
            return String(format: "p99.9 %.1f, max %.1f", p999 * 1e6, last * 1e6)
        }
        print("calibration per update, tail of \(updateSamples.cpu.count) (us): wall \(tail(updateSamples.wall)); cpu \(tail(updateSamples.cpu))")
    }

    /// CPU seconds this thread has used (excludes time it was preempted).
    static func threadCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }

    typealias Timing = (wall: LatencySummary, cpu: LatencySummary)

    /// Times the calibrated estimator policies read, on the prompts with their true lengths:
    /// a whole estimate (forest + calibration) beside the forest alone on the same request
    /// (interleaved, so both see the same machine load), the calibration's share (correcting
    /// a forest distribution and reading its bound, window full), and one update (`observe`
    /// of a request just estimated).
    private func benchCalibration(
        predictor: QRFLengthPredictor, requests: [Request], truths: [Int]
    ) -> (estimate: Timing, forest: Timing, bound: Timing, update: Timing, updateSamples: (wall: [Double], cpu: [Double])) {
        let clock = ContinuousClock()
        let options = LengthCalibrator.Options()
        var estimator = ApplicationLengthPredictor.estimator(forest: predictor, servedModel: "bench", calibration: options)
        var calibrator = LengthCalibrator(options: options)
        let forest = requests.map { predictor.distribution(for: $0) }
        for (k, request) in requests.enumerated() {
            _ = estimator.distribution(for: request)
            estimator.observe(request, outputTokenCount: truths[k])
            calibrator.record(truth: truths[k], base: forest[k])
        }
        var estimate = ([Double](), [Double]()), alone = ([Double](), [Double]())
        var bound = ([Double](), [Double]()), update = ([Double](), [Double]())
        func measure(_ into: inout ([Double], [Double]), _ body: () -> Void) {
            let cpuStart = Self.threadCPUSeconds()
            let start = clock.now
            body()
            into.0.append((clock.now - start).seconds)
            into.1.append(Self.threadCPUSeconds() - cpuStart)
        }
        var sink = 0
        for _ in 0..<max(1, passes) {
            for (k, request) in requests.enumerated() {
                // Alternate which goes first: the second finds the request's trees in cache.
                if k % 2 == 0 {
                    measure(&estimate) { sink &+= estimator.distribution(for: request).upperBound(quantile: 0.95) }
                    measure(&alone) { sink &+= predictor.distribution(for: request).upperBound(quantile: 0.95) }
                } else {
                    measure(&alone) { sink &+= predictor.distribution(for: request).upperBound(quantile: 0.95) }
                    measure(&estimate) { sink &+= estimator.distribution(for: request).upperBound(quantile: 0.95) }
                }
                measure(&update) { estimator.observe(request, outputTokenCount: truths[k]) }
                measure(&bound) { sink &+= calibrator.calibrate(forest[k]).upperBound(quantile: 0.95) }
            }
        }
        if sink == .min { print("") }  // keeps the work observable to the optimiser
        func summary(_ t: ([Double], [Double])) -> Timing { (LatencySummary(t.0), LatencySummary(t.1)) }
        return (summary(estimate), summary(alone), summary(bound), summary(update), (update.0, update.1))
    }

    /// Times `estimate` against a full store of varied synthetic workflows.
    private func benchWorkflowEstimate() -> (wall: LatencySummary, cpu: LatencySummary) {
        var analyzer = WorkflowPatternAnalyzer(configuration: .init(capacity: 128))
        var rng = SplitMix64(seed: 11)
        func calls(stages: Int) -> [CallObservation] {
            var out: [CallObservation] = []
            var t = 0.0
            for s in 0..<stages {
                let width = 1 + Int(rng.next() % 8)
                let span = 1 + Double(rng.next() % 100) / 10
                for _ in 0..<width {
                    out.append(CallObservation(stage: s, promptTokenCount: 200 + Int(rng.next() % 4000),
                                               outputTokenCount: 20 + Int(rng.next() % 800),
                                               startedAt: Instant(seconds: t), finishedAt: Instant(seconds: t + span)))
                }
                t += span
            }
            return out
        }
        let slo = CompoundSLO(workflowID: WorkflowID(0), stage: 0, workflowStartedAt: .zero, deadline: .seconds(60))
        for k in 0..<400 {
            analyzer.observeFinished(workflowID: WorkflowID(UInt64(k)), application: "agent", slo: slo,
                                     calls: calls(stages: 2 + Int(rng.next() % 7)))
        }
        let clock = ContinuousClock()
        var wall: [Double] = [], cpu: [Double] = []
        for k in 0..<2000 {
            let completed = calls(stages: k % 4)
            var stageSLO = slo
            stageSLO.stage = k % 4
            let arriving = Request(id: RequestID(UInt64(k)), arrivedAt: .zero, promptTokenCount: 1000, maxOutputTokens: 512,
                                   slo: .compound(stageSLO), application: "agent")
            let cpuStart = Self.threadCPUSeconds()
            let start = clock.now
            let estimate = analyzer.estimate(workflowID: WorkflowID(9), application: "agent", slo: stageSLO,
                                             completed: completed, arriving: arriving)
            wall.append((clock.now - start).seconds)
            cpu.append(Self.threadCPUSeconds() - cpuStart)
            if estimate.remainingStageCount < 0 { print("") }
        }
        return (LatencySummary(wall), LatencySummary(cpu))
    }
}
