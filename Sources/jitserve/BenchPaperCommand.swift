import ArgumentParser
import Foundation
import JITServeCore
import JITServeEngine
import JITServePrediction
import JITServeRouter
import JITServeScheduling
import JITServeSetup
import JITServeSimulation

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

    @Option(help: "Write one JSON line per request of every run (schema in the README; `run` names the run) to this file.")
    var requestsOut: String?

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
        _ = try CommaList.validated(schedulers, option: "--schedulers", among: SchedulerCatalog.names)
        _ = try seedList()
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

    func seedList() throws -> [UInt64] { try SeedList.parse(seeds) }

    func policyNames() -> [String] { CommaList.items(schedulers) }

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
        // Every case reads the same file: its notes once.
        Console.notes(cases.first?.workload.notes ?? [])
        let routers: [String?] = replay.routerNames().isEmpty ? [nil] : replay.routerNames()
        let jobs = cases.flatMap { c in routers.flatMap { router in names.map { (c, $0, router) } } }
        Console.error("bench: \(jobs.count) simulations (\(names.count) policies × \(routers.count) router(s) × \(cases.count) rate/seed cases) of \(workloadName) "
            + "on \(profile.name), max_num_seqs \(engine.maxRunning), \(engine.preemptionMode.rawValue) preemption, \(self.jobs) at a time")
        let started = ContinuousClock.now
        let requestLog = try requestsOut.map { try RequestLogFile(path: $0) }
        var runner = BenchRunner(
            profile: profile, lengths: lengths, engine: engine, drain: replay.drain,
            scrapeInterval: replay.scrapeInterval, parallelism: self.jobs, requestLog: requestLog)
        let runs: [SimulationSummary]
        do {
            runs = try runner.run(jobs.map {
                BenchRunner.Job(workload: $0.0.workload, rate: $0.0.rate, seed: $0.0.seed, policy: $0.1,
                                replicas: replay.replicas, router: $0.2)
            })
            try requestLog?.finish()
        } catch {
            requestLog?.abandon()
            throw error
        }

        // The replica search's runs are not the benchmark's: they stay out of --requests-out.
        runner.requestLog = nil
        var searches: [ReplicaSearchResult] = []
        if let target = replicaSearch, let top = try rates().max() {
            searches = try searchReplicas(names: names, routers: routers, target: target, rate: top, runner: runner)
        }
        let result = BenchmarkReport(recipe: recipe + (workload.map { " (\($0))" } ?? ""), hardware: profile.name,
                                     runs: runs, replicaSearch: searches)
        Console.error(String(format: "bench: done in %.1f s", (ContinuousClock.now - started).seconds))
        if replay.routerNames().isEmpty {
            print(BenchTable.render(result, weighted: weightedGoodput || chosenRecipe.showsWeightedGoodput))
        } else {
            print(RouterGridTable.render(runs, title: "\(result.recipe) on \(profile.name)"))
            if !searches.isEmpty { print("\n" + BenchTable.replicaSearch(searches).joined(separator: "\n")) }
        }
        try output.write(result)
        if let report {
            try result.write(to: report)
            Console.error("bench: report written to \(report)/index.html")
        }
    }

    /// Per (router, policy), the fewest replicas (1…maxReplicas) whose attainment reaches
    /// `target` at `rate`, on the first seed's workload — over every unit, and over the units
    /// that meet their SLO alone on an idle replica (plain attainment cannot reach a target
    /// that some units miss even alone). Attainment grows with replicas, so a linear scan stops
    /// once both are found.
    private func searchReplicas(
        names: [String], routers: [String?], target: Double, rate: Double, runner: BenchRunner
    ) throws -> [ReplicaSearchResult] {
        let seed = try seedList().first ?? 1
        let built = try WorkloadCatalog.make(name: workload ?? chosenRecipe.workload, rps: rate, duration: .seconds(duration), seed: seed)
        Console.error("replica search: replaying each of the workload's units alone on an idle replica")
        let feasibility = try runner.idleFeasibility(of: built)
        Console.error(String(format: "replica search: %d of %d units meet their SLO alone", feasibility.feasible.count, feasibility.unitCount))
        // Each round tries the next replica count for every combination still short of a target.
        let combinations = routers.flatMap { router in names.map { (router: router, policy: $0) } }
        func key(_ router: String?, _ policy: String) -> String { router.map { "\($0)+\(policy)" } ?? policy }
        var results: [String: ReplicaSearchResult] = [:]
        for c in combinations {
            results[key(c.router, c.policy)] = ReplicaSearchResult(
                scheduler: c.policy, rps: rate, target: target, replicas: nil, attainmentByReplicas: [:], router: c.router)
        }
        var pending = combinations
        var count = 1
        while !pending.isEmpty && count <= maxReplicas {
            Console.error("replica search: \(count) replica(s) for \(pending.map { key($0.router, $0.policy) }.joined(separator: ", "))")
            let runs = try runner.run(pending.map {
                BenchRunner.Job(workload: built, rate: rate, seed: seed, policy: $0.policy, replicas: count, router: $0.router,
                                feasibility: feasibility)
            }, withDistributions: false)
            for run in runs {
                let k = key(run.router, run.scheduler)
                results[k]?.attainmentByReplicas[String(count)] = run.sloAttainment
                results[k]?.feasibleAttainmentByReplicas?[String(count)] = run.feasibleAttainment ?? 0
                if run.sloAttainment >= target, results[k]?.replicas == nil { results[k]?.replicas = count }
                if (run.feasibleAttainment ?? 0) >= target, results[k]?.replicasFeasible == nil { results[k]?.replicasFeasible = count }
            }
            pending = pending.filter {
                let r = results[key($0.router, $0.policy)]
                return r?.replicas == nil || r?.replicasFeasible == nil
            }
            count += 1
        }
        return combinations.compactMap { results[key($0.router, $0.policy)] }
    }
}
