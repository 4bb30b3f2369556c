import ArgumentParser
import Foundation
import JITServeCore
import JITServeEngine
import JITServeScheduling
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

    @Option(help: "Scheduling policy.")
    var scheduler = "jitserve"

    @Option(help: "Write the result as JSON to this path.")
    var json: String?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func run() throws {
        let setup = try PolicySetup(name: scheduler, forest: PolicySetup.loadForest())
        let built = try workload.make()
        let profile = try hardware.profile()
        let started = ContinuousClock.now
        let name = setup.scheduler.name
        var progress: (@Sendable (Double) -> Void)?
        if !quiet {
            progress = { @Sendable fraction in
                Console.progress("simulating \(name): \(Int(fraction * 100))% of the arrival window")
            }
        }
        let simulator = Simulator(
            workload: built, makeExecutor: { SimulatedExecutor(profile: profile) }, scheduler: setup.scheduler,
            lengthPredictor: setup.lengthPredictor, workflowPredictor: setup.workflowPredictor,
            options: .init(engine: hardware.engineConfiguration(), drainLimit: .seconds(hardware.drain),
                           replicaCount: hardware.replicas, progress: progress)
        )
        let result = try simulator.run()
        let wall = (ContinuousClock.now - started).seconds
        if !quiet {
            Console.progress("")
            Console.error(String(format: "\rreplayed %.0f s of simulated time in %.2f s of wall time (%.0f× real time)",
                                 result.simulatedSeconds, wall, result.simulatedSeconds / max(wall, 1e-9)))
        }
        let summary = SimulationSummary(
            scheduler: setup.scheduler.name, workload: built.name, hardware: profile.name,
            lengthPredictor: setup.lengthPredictorName, rps: workload.rps, seed: workload.seed, result: result)
        print(summary.table())
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try Console.write(try encoder.encode(summary), to: json)
        }
    }
}

/// Which workload to build.
struct WorkloadOptions: ParsableArguments {
    @Option(help: "paper-mix, artifact, azure-conv, azure-code, or the path of a trace CSV (Azure 2023 or vidur schema).")
    var workload = "paper-mix"

    @Option(help: "Arrivals per second (paper-mix: Poisson rate; traces: rescale timestamps to this mean rate).")
    var rps: Double?

    @Option(help: "Arrival window in seconds (traces: default the whole trace).")
    var duration: Double?

    @Option(help: "Seed of every random draw.")
    var seed: UInt64 = 1

    func validate() throws {
        if let rps, !(rps > 0 && rps.isFinite) { throw ValidationError("--rps must be a positive number, got \(rps)") }
        if let duration, !(duration > 0 && duration.isFinite) {
            throw ValidationError("--duration must be a positive number of seconds, got \(duration)")
        }
    }

    func make(rps override: Double? = nil, seed seedOverride: UInt64? = nil) throws -> Workload {
        try WorkloadCatalog.make(
            name: workload, rps: override ?? rps, duration: duration.map { .seconds($0) }, seed: seedOverride ?? seed)
    }
}

/// Which simulated GPU, and the engine's limits.
struct HardwareOptions: ParsableArguments {
    @Option(help: "Model: llama-3.1-8b or llama-3-70b (tensor-parallel 4).")
    var model = "llama-3.1-8b"

    @Option(help: "GPU: a100 (A100-80GB) or h100 (H100-80GB).")
    var gpu = "a100"

    @Option(help: "Token budget per iteration (max_num_batched_tokens).")
    var maxBatchedTokens = 2048

    @Option(help: "Sequences per iteration (max_num_seqs).")
    var maxRunning = 256

    @Option(help: "Preemption mode: recompute or swap.")
    var preemption = "recompute"

    @Option(help: "Seconds after the arrival window that requests may still finish.")
    var drain = 600.0

    @Option(help: "Replicas behind a least-loaded load balancer (a workflow's calls stay on one replica).")
    var replicas = 1

    func validate() throws {
        guard maxBatchedTokens > 0 else { throw ValidationError("--max-batched-tokens must be positive") }
        guard maxRunning > 0 else { throw ValidationError("--max-running must be positive") }
        guard PreemptionMode(rawValue: preemption) != nil else {
            throw ValidationError("--preemption must be one of: \(PreemptionMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard drain >= 0 else { throw ValidationError("--drain must not be negative") }
        guard replicas >= 1 else { throw ValidationError("--replicas must be at least 1") }
    }

    func profile() throws -> HardwareProfile { try HardwareProfile.named(model: model, gpu: gpu) }

    func engineConfiguration() -> EngineConfiguration {
        EngineConfiguration(maxBatchedTokens: maxBatchedTokens, maxRunning: maxRunning,
                            preemptionMode: PreemptionMode(rawValue: preemption) ?? .recompute)
    }
}
