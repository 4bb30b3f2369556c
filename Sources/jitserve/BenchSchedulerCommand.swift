import ArgumentParser
import Foundation
import JITServeCore
import JITServeEngine
import JITServePrediction
import JITServeScheduling
import JITServeSetup
import JITServeSimulation

/// `jitserve bench scheduler`: the cost of one scheduling decision on a large snapshot, against
/// the simulated iteration time of the batch it chose.
struct BenchSchedulerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Decision cost per policy at N waiting + M running requests, as a share of the iteration time."
    )

    @Option(help: "Waiting requests in the snapshot.")
    var waiting = 1000

    @Option(help: "Running (decoding) requests in the snapshot.")
    var running = 256

    @Option(help: "Decisions timed per policy.")
    var repetitions = 200

    @Option(help: "Comma-separated policies.")
    var schedulers = SchedulerCatalog.benchmarkNames.joined(separator: ",")

    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
        guard waiting >= 0, running >= 0, waiting + running >= 1 else {
            throw ValidationError("--waiting and --running must not be negative, and the snapshot needs one request")
        }
        _ = try CommaList.validated(schedulers, option: "--schedulers", among: SchedulerCatalog.names)
    }

    func run() throws {
        let profile = try hardware.profile()
        let forest = EngineBuilder.loadForest(warn: Console.error)
        let snapshot = makeSnapshot(profile: profile, forest: forest)
        let executor = SimulatedExecutor(profile: profile)
        print("snapshot: \(running) running + \(waiting) waiting on \(profile.name); \(repetitions) decisions per policy")
        print("policy                   p50 (µs)   p99 (µs)   batch   iteration (ms)   decision ÷ iteration")
        for name in CommaList.items(schedulers) {
            let scheduler = try SchedulerCatalog.make(name)
            var times: [Double] = []
            var plan = SchedulePlan.empty
            for _ in 0..<repetitions {
                let started = ContinuousClock.now
                plan = scheduler.schedule(snapshot)
                times.append((ContinuousClock.now - started).seconds)
            }
            let summary = LatencySummary(times)
            let byID = Dictionary(uniqueKeysWithValues: (snapshot.running + snapshot.waiting).map { ($0.id, $0) })
            let batch = ExecutionBatch(sequences: plan.scheduled.compactMap { work in
                byID[work.requestID].map {
                    ScheduledSequence(requestID: $0.id, tokenCount: work.tokenCount, computedTokenCount: $0.computedTokenCount,
                                      samplesToken: $0.computedTokenCount + work.tokenCount == $0.knownTokenCount)
                }
            })
            let iteration = executor.latencyModel.iterationTime(for: batch).seconds
            print(name.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: " %10.1f %10.1f %7d %16.2f %19.2f%%", summary.p50 * 1e6, summary.p99 * 1e6,
                         plan.scheduled.count, iteration * 1e3, 100 * summary.p50 / max(iteration, 1e-9)))
        }
        if let forest {
            // The engine builds the snapshot every iteration, outside what is timed above.
            let snapshotTimes = try engineSnapshotTimes(profile: profile, forest: forest)
            print(String(format: "engine snapshot of %d queued requests: p50 %.1f µs, p99 %.1f µs", running + waiting,
                         snapshotTimes.p50 * 1e6, snapshotTimes.p99 * 1e6))
        }
    }

    /// `EngineCore.snapshot(now:)` over an engine holding as many requests as the snapshot
    /// above, all queued (the engine only admits requests to its waiting queue).
    private func engineSnapshotTimes(profile: HardwareProfile, forest: QRFLengthPredictor) throws -> LatencySummary {
        let engine = EngineCore(executor: SimulatedExecutor(profile: profile), scheduler: try SchedulerCatalog.make("jitserve"),
                                configuration: self.engine.configuration(), lengthPredictor: forest)
        for request in makeSnapshot(profile: profile, forest: forest).allRows {
            try engine.add(Request(id: request.id, arrivedAt: request.arrivedAt, promptTokenCount: request.promptTokenCount,
                                   maxOutputTokens: request.maxOutputTokens, slo: request.slo))
        }
        var times: [Double] = []
        for _ in 0..<repetitions {
            let started = ContinuousClock.now
            let snapshot = engine.snapshot(now: Instant(seconds: 60))
            times.append((ContinuousClock.now - started).seconds)
            precondition(snapshot.waiting.count == running + waiting)
        }
        return LatencySummary(times)
    }

    /// Running requests mid-decode and waiting ones of the paper mix's three kinds, with
    /// deterministic pseudo-random sizes.
    private func makeSnapshot(profile: HardwareProfile, forest: QRFLengthPredictor?) -> SchedulerSnapshot {
        var state: UInt64 = 42
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let slos: [SLO] = [
            .latency(ttft: .seconds(1.6), tbt: .milliseconds(160)), .deadline(ttlt: .seconds(16)),
            .compound(CompoundSLO(workflowID: WorkflowID(1), stage: 0, workflowStartedAt: .zero, deadline: .seconds(120))),
        ]
        func make(_ i: Int, isRunning: Bool) -> SequenceState {
            let prompt = 100 + next(3000)
            let request = Request(id: RequestID(UInt64(i)), arrivedAt: Instant(seconds: Double(next(60_000)) / 1000),
                                  promptTokenCount: prompt, maxOutputTokens: 4096, slo: slos[i % 3])
            let length = forest?.distribution(for: request) ?? LengthDistribution(samples: [100, 200, 400])
            let generated = isRunning ? 1 + next(400) : 0
            let computed = isRunning ? prompt + generated - 1 : 0
            return SequenceState(id: request.id, slo: request.slo, arrivedAt: request.arrivedAt, promptTokenCount: prompt,
                                 maxOutputTokens: 4096, length: length, generatedTokenCount: generated,
                                 computedTokenCount: computed, allocatedBlockCount: (computed + 15) / 16)
        }
        let runningStates = (0..<running).map { make($0, isRunning: true) }
        let waitingStates = (running..<(running + waiting)).map { make($0, isRunning: false) }
        let used = runningStates.reduce(0) { $0 + $1.allocatedBlockCount }
        return SchedulerSnapshot(
            now: Instant(seconds: 60), running: runningStates, waiting: waitingStates,
            budget: BatchBudget(maxBatchedTokens: engine.configuration().maxBatchedTokens, maxRunning: engine.configuration().maxRunning, blockSize: 16,
                                freeBlockCount: max(0, profile.kvBlockCapacity - used)),
            iterationSeconds: 0.05)
    }
}

private extension SchedulerSnapshot {
    var allRows: [SequenceState] { running + waiting }
}
