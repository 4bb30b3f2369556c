import ArgumentParser
import Foundation
import JITServeScheduling
import JITServeSetup
import JITServeSimulation

/// `jitserve bench simulator`: how fast the simulator replays a trace, per policy.
struct BenchSimulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Wall time to replay a trace (default: the whole Azure conv trace) on --replicas replicas (default one)."
    )

    @Option(help: "Workload to replay.")
    var workload = "azure-conv"

    @Option(help: "Comma-separated policies.")
    var schedulers = "sarathi,jitserve"

    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var engine: EngineOptions
    @OptionGroup var replay: ReplayOptions
    @OptionGroup var lengths: PredictorOptions

    func validate() throws {
        _ = try CommaList.validated(schedulers, option: "--schedulers", among: SchedulerCatalog.names)
    }

    func run() throws {
        let profile = try hardware.profile()
        let lengths = try self.lengths.lengths(servedModel: hardware.model.simulatedModel)
        let built = try WorkloadCatalog.make(name: workload, seed: 1)
        print("replaying \(built.name): \(built.callCount) calls over \(Int(built.duration.seconds)) s on \(profile.name)")
        print("policy             wall (s)   simulated (s)   × real time   iterations   µs/iteration"
              + "   tok-good/s   attain   TTFT p99   TBT p99")
        for name in CommaList.items(schedulers) {
            let builder = try EngineBuilder(policy: name, lengths: lengths, configuration: engine.configuration())
            let started = ContinuousClock.now
            let result = try Simulator(
                workload: built, makeExecutor: { SimulatedExecutor(profile: profile) },
                makeEngine: builder.makeReplayEngine,
                options: .init(drainLimit: .seconds(replay.drain), replicaCount: replay.replicas)
            ).run()
            let wall = (ContinuousClock.now - started).seconds
            print(name.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: " %10.2f %15.0f %13.0f %12d %14.1f", wall, result.simulatedSeconds,
                         result.simulatedSeconds / wall, result.iterationCount, wall / Double(max(1, result.iterationCount)) * 1e6)
                  + String(format: " %12.1f %7.1f%% %9.2fs %8.3fs", result.report.overall.tokenGoodput,
                           100 * result.report.overall.sloAttainment, result.report.overall.ttft.p99,
                           result.report.overall.tbt.p99))
        }
    }
}
