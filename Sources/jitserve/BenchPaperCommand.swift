import ArgumentParser
import Dispatch
import Foundation
import JITServeCore
import JITServeEngine
import JITServePrediction
import JITServeScheduling
import JITServeSetup
import JITServeSimulation
import Synchronization

/// `jitserve bench [--recipe paper]`: every policy on the same generated trace per (rate, seed),
/// side by side, with a JSON file and an HTML/SVG report.
struct BenchPaperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paper",
        abstract: "The paper's evaluation: every policy on the same trace, GPU and seed, side by side.",
        discussion: """
            For each (rate, seed) one workload is generated and replayed by every policy. Prints a \
            table of token goodput with each policy's ratio to the best baseline; --json writes \
            every run, --report DIR an HTML page with SVG plots. --replica-search TARGET finds, per \
            policy, the fewest replicas that hold TARGET attainment at the highest rate.
            """
    )

    @Option(help: ArgumentHelp(
        "Recipe: \(BenchRecipe.spellings).",
        discussion: BenchRecipe.allCases.map(\.summary).joined(separator: "; ")
            + ". A recipe's engine settings yield to --max-num-seqs / --preemption when given."))
    var recipe = "paper"

    @Option(help: "Workload instead of the recipe's (e.g. azure-conv, rescaled to each rate).")
    var workload: String?

    @Option(help: "Comma-separated arrival rates (req/s; a workflow counts once). Default: the recipe's.")
    var rps: String?

    @Option(help: "Arrival window in seconds.")
    var duration = 600.0

    @Option(help: "Comma-separated seeds.")
    var seeds = "1,2,3"

    @Option(help: "Comma-separated policies.")
    var schedulers = SchedulerCatalog.benchmarkNames.joined(separator: ",")

    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var engine: EngineOptions
    @OptionGroup var replay: ReplayOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var lengths: PredictorOptions

    @Option(help: "Write an HTML report with SVG plots into this directory.")
    var report: String?

    @Option(help: "Find per policy the fewest replicas holding this attainment (0–1) at the highest rate.")
    var replicaSearch: Double?

    @Option(help: "Most replicas the search tries.")
    var maxReplicas = 16

    @Option(help: "Simulations run in parallel (default: cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Also print the reference artifact's weighted token goodput (prefill 1 : decode 8); the artifact recipe always does.")
    var weightedGoodput = false

    func validate() throws {
        guard BenchRecipe(rawValue: recipe) != nil else {
            throw ValidationError("unknown --recipe '\(recipe)'; valid: \(BenchRecipe.spellings)")
        }
        guard !(try rates()).isEmpty else { throw ValidationError("--rps needs at least one rate") }
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let target = replicaSearch, !(target > 0 && target <= 1) {
            throw ValidationError("--replica-search must be an attainment in (0, 1], e.g. 0.9")
        }
        for name in policyNames() { _ = try SchedulerCatalog.make(name) }
    }

    /// The chosen recipe (validated).
    var chosenRecipe: BenchRecipe { BenchRecipe(rawValue: recipe) ?? .paper }

    /// The engine every run uses: the engine options, with the recipe's settings where the
    /// user gave none.
    func engineConfiguration() -> EngineConfiguration {
        chosenRecipe.engine(engine.configuration(), given: { option in
            option == "--max-num-seqs" ? engine.maxNumSeqs != nil : BenchRecipe.commandLineGives(option)
        })
    }

    func rates() throws -> [Double] {
        try (rps ?? chosenRecipe.defaultRates).split(separator: ",").map {
            guard let v = Double($0.trimmingCharacters(in: .whitespaces)), v > 0 else {
                throw ValidationError("--rps: '\($0)' is not a positive number")
            }
            return v
        }
    }

    func seedList() throws -> [UInt64] {
        try seeds.split(separator: ",").map {
            guard let v = UInt64($0.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--seeds: '\($0)' is not a non-negative integer")
            }
            return v
        }
    }

    func policyNames() -> [String] { schedulers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func run() throws {
        let profile = try hardware.profile()
        let lengths = try self.lengths.lengths(servedModel: hardware.model.simulatedModel)
        let names = policyNames()
        let workloadName = workload ?? chosenRecipe.workload
        let engine = engineConfiguration()
        var cases: [(rate: Double, seed: UInt64, workload: Workload)] = []
        for rate in try rates() {
            for seed in try seedList() {
                cases.append((rate, seed, try WorkloadCatalog.make(
                    name: workloadName, rps: rate, duration: .seconds(duration), seed: seed)))
            }
        }
        let jobs = cases.flatMap { c in names.map { (c, $0, replay.replicas) } }
        Console.error("bench: \(jobs.count) simulations (\(names.count) policies × \(cases.count) rate/seed cases) of \(workloadName) "
            + "on \(profile.name), max_num_seqs \(engine.maxRunning), \(engine.preemptionMode.rawValue) preemption, \(self.jobs) at a time")
        let started = ContinuousClock.now
        let runs = try BenchRunner(profile: profile, lengths: lengths, engine: engine,
                                   drain: replay.drain, parallelism: self.jobs)
            .run(jobs.map { BenchRunner.Job(workload: $0.0.workload, rate: $0.0.rate, seed: $0.0.seed, policy: $0.1, replicas: $0.2) })

        var searches: [ReplicaSearchResult] = []
        if let target = replicaSearch, let top = try rates().max() {
            searches = try searchReplicas(names: names, target: target, rate: top, profile: profile, lengths: lengths)
        }
        let result = BenchmarkReport(recipe: recipe + (workload.map { " (\($0))" } ?? ""), hardware: profile.name,
                                     runs: runs, replicaSearch: searches)
        Console.error(String(format: "bench: done in %.1f s", (ContinuousClock.now - started).seconds))
        print(BenchTable.render(result, weighted: weightedGoodput || chosenRecipe.showsWeightedGoodput))
        try output.write(result)
        if let report {
            try result.write(to: report)
            Console.error("bench: report written to \(report)/index.html")
        }
    }

    /// Per policy, the fewest replicas (1…maxReplicas) whose attainment reaches `target` at
    /// `rate`, on the first seed's workload. Attainment grows with replicas, so a linear scan
    /// stops at the first success.
    private func searchReplicas(
        names: [String], target: Double, rate: Double, profile: HardwareProfile, lengths: LengthEstimatorSettings
    ) throws -> [ReplicaSearchResult] {
        let seed = try seedList().first ?? 1
        let built = try WorkloadCatalog.make(name: workload ?? chosenRecipe.workload, rps: rate, duration: .seconds(duration), seed: seed)
        let runner = BenchRunner(profile: profile, lengths: lengths, engine: engineConfiguration(),
                                 drain: replay.drain, parallelism: jobs)
        // Each round tries the next replica count for every policy still short of the target.
        var results: [String: ReplicaSearchResult] = [:]
        for name in names { results[name] = ReplicaSearchResult(scheduler: name, rps: rate, target: target, replicas: nil, attainmentByReplicas: [:]) }
        var pending = names
        var count = 1
        while !pending.isEmpty && count <= maxReplicas {
            Console.error("replica search: \(count) replica(s) for \(pending.joined(separator: ", "))")
            let runs = try runner.run(pending.map { BenchRunner.Job(workload: built, rate: rate, seed: seed, policy: $0, replicas: count) },
                                      withDistributions: false)
            for run in runs {
                results[run.scheduler]?.attainmentByReplicas[String(count)] = run.sloAttainment
                if run.sloAttainment >= target { results[run.scheduler]?.replicas = count }
            }
            pending = pending.filter { results[$0]?.replicas == nil }
            count += 1
        }
        return names.compactMap { results[$0] }
    }
}

/// Runs simulations on a few threads at once; results come back in job order.
struct BenchRunner: Sendable {
    struct Job: Sendable {
        var workload: Workload
        var rate: Double
        var seed: UInt64
        var policy: String
        var replicas: Int
    }

    let profile: HardwareProfile
    let lengths: LengthEstimatorSettings
    let engine: EngineConfiguration
    let drain: Double
    let parallelism: Int

    func run(_ jobs: [Job], withDistributions: Bool = true) throws -> [SimulationSummary] {
        let results = ResultBox(count: jobs.count)
        let next = ResultBox.Counter()
        let group = DispatchGroup()
        for _ in 0..<min(parallelism, jobs.count) {
            DispatchQueue.global().async(group: group) {
                while let i = next.take(below: jobs.count) {
                    results.set(i, Result { try simulate(jobs[i], withDistributions: withDistributions) })
                    Console.error("  done \(jobs[i].policy) @ \(jobs[i].rate) req/s seed \(jobs[i].seed) ×\(jobs[i].replicas)")
                }
            }
        }
        group.wait()
        return try results.values().map { try $0.get() }
    }

    private func simulate(_ job: Job, withDistributions: Bool) throws -> SimulationSummary {
        let builder = try EngineBuilder(policy: job.policy, lengths: lengths, configuration: engine)
        let profile = self.profile
        let simulator = try Simulator(
            workload: job.workload, makeExecutor: { SimulatedExecutor(profile: profile) },
            makeEngine: builder.makeReplayEngine,
            options: .init(drainLimit: .seconds(drain), replicaCount: job.replicas))
        let result = try simulator.run()
        var summary = SimulationSummary(
            scheduler: job.policy, workload: job.workload.name, hardware: profile.name,
            lengthPredictor: builder.lengthPredictorName, rps: job.rate, seed: job.seed, result: result)
        summary.replicas = job.replicas
        if withDistributions { summary.addDistributions(from: result, workflowCallCounts: simulator.plan.workflowCallCounts) }
        return summary
    }
}

/// Thread-safe slots for results filled by worker threads.
final class ResultBox: Sendable {
    private let slots: Mutex<[Result<SimulationSummary, any Error>?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ i: Int, _ value: Result<SimulationSummary, any Error>) {
        slots.withLock { $0[i] = value }
    }

    func values() -> [Result<SimulationSummary, any Error>] {
        slots.withLock { $0.map { $0! } }
    }

    /// Hands out job indices to worker threads.
    final class Counter: Sendable {
        private let next = Mutex(0)
        func take(below limit: Int) -> Int? {
            next.withLock { next in
                guard next < limit else { return nil }
                next += 1
                return next - 1
            }
        }
    }
}
