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
            trace at its real timestamps (a length-only trace: every row, Poisson arrivals at --rps); \
            paper-mix defaults to \(Int(WorkloadCatalog.defaultPaperMixDuration.seconds)) s at \
            \(WorkloadCatalog.defaultPaperMixRate) requests/s, artifact to \
            \(WorkloadCatalog.defaultArtifactRate) requests/s.
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

    @Option(help: "Write one JSON line per request (schema in the README) to this file.")
    var requestsOut: String?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard replay.routerNames().count <= 1 else { throw ValidationError("--router takes one name here (bench takes a list)") }
    }

    func run() throws {
        let builder = try engineBuilder()
        let simulator = try makeSimulator(builder: builder)
        // Opened first: a path that cannot be written fails before the run, not after it.
        let requestLog = try requestsOut.map { try RequestLogFile(path: $0) }
        let started = ContinuousClock.now
        let result: SimulationResult
        do {
            result = try simulator.run()
            try requestLog?.append(
                records: result.records,
                run: RequestLog.Run(scheduler: builder.scheduler.name, workload: simulator.workload.name, rps: workload.rps, seed: workload.seed),
                workflowCallCounts: simulator.plan.workflowCallCounts, window: simulator.workload.duration)
            try requestLog?.finish()
        } catch {
            requestLog?.abandon()
            throw error
        }
        let wall = (ContinuousClock.now - started).seconds
        if !quiet {
            Console.progress("")
            Console.error(String(format: "\rreplayed %.0f s of simulated time in %.2f s of wall time (%.0f× real time)",
                                 result.simulatedSeconds, wall, result.simulatedSeconds / max(wall, 1e-9)))
        }
        var summary = SimulationSummary(
            scheduler: builder.scheduler.name, workload: simulator.workload.name, hardware: try hardware.profile().name,
            lengthPredictor: builder.lengthPredictorName, rps: workload.rps, seed: workload.seed, result: result)
        summary.replicas = replay.replicas
        summary.router = replay.router
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
            options: replay.simulatorOptions(
                replicas: replay.replicas, router: replay.router, lengths: builder.lengths, progress: progress))
    }
}
