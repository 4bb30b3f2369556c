import ArgumentParser
import Foundation
import JITServeCore
import JITServeEngine
import JITServeScheduling
import JITServeSetup
import JITServeSimulation

/// `jitserve simulate`: replay a workload through the engine on a simulated GPU.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Replay a workload through a scheduler on a simulated GPU and report goodput.",
        discussion: """
            The simulated GPU's iteration times come from a latency model fitted to public \
            profiling data of real GPUs. Without --duration a trace workload replays the whole \
            trace at its real timestamps; paper-mix defaults to 600 s at 1 request/s.
            Schedulers: \(SchedulerCatalog.names.joined(separator: ", ")).
            """
    )

    @OptionGroup var workload: WorkloadOptions
    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var engine: EngineOptions
    @OptionGroup var replay: ReplayOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var lengths: PredictorOptions

    @Option(help: "Scheduling policy.")
    var scheduler = "jitserve"

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func run() throws {
        let builder = try engineBuilder()
        let simulator = try makeSimulator(builder: builder)
        let started = ContinuousClock.now
        let result = try simulator.run()
        let wall = (ContinuousClock.now - started).seconds
        if !quiet {
            Console.progress("")
            Console.error(String(format: "\rreplayed %.0f s of simulated time in %.2f s of wall time (%.0f× real time)",
                                 result.simulatedSeconds, wall, result.simulatedSeconds / max(wall, 1e-9)))
        }
        let summary = SimulationSummary(
            scheduler: builder.scheduler.name, workload: simulator.workload.name, hardware: try hardware.profile().name,
            lengthPredictor: builder.lengthPredictorName, rps: workload.rps, seed: workload.seed, result: result)
        print(summary.table())
        try output.write(summary)
    }

    /// The builder of this command's engines (the same type `serve` uses).
    func engineBuilder() throws -> EngineBuilder {
        try EngineBuilder(
            policy: scheduler, lengths: try lengths.lengths(servedModel: hardware.model.simulatedModel),
            configuration: engine.configuration())
    }

    /// The replay this command runs, its engines made by `builder`.
    func makeSimulator(builder: EngineBuilder) throws -> Simulator {
        let built = try workload.make()
        let profile = try hardware.profile()
        let name = builder.scheduler.name
        var progress: (@Sendable (Double) -> Void)?
        if !quiet {
            progress = { @Sendable fraction in
                Console.progress("simulating \(name): \(Int(fraction * 100))% of the arrival window")
            }
        }
        return try Simulator(
            workload: built, makeExecutor: { SimulatedExecutor(profile: profile) }, makeEngine: builder.makeReplayEngine,
            options: .init(drainLimit: .seconds(replay.drain), replicaCount: replay.replicas, progress: progress))
    }
}
