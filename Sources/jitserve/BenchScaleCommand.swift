import ArgumentParser
import Foundation
import JITServeRouter
import JITServeScheduling
import JITServeSetup
import JITServeSimulation

/// `jitserve bench scale`: the replica-scaling figure. Load per replica is held constant while
/// replicas grow; every router runs with every scheduler on the same trace per (replicas,
/// seed); and, optionally, the fewest replicas with which jitserve (router and scheduler)
/// matches the goodput the best baseline pair gets from the largest count (resources saved).
struct BenchScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Routers × schedulers as replicas grow, load per replica held constant.",
        discussion: """
            For each replica count N the recipe's workload is generated at N × --rps-per-replica \
            and replayed by every (router, scheduler) pair. Prints token goodput, request \
            goodput and attainment per pair, and jitserve router + jitserve scheduler against the \
            best other pair and the best pair of baselines. --savings then finds the fewest \
            replicas with which jitserve+jitserve reaches the goodput of the best baseline pair at \
            the largest N, on that same trace.
            """
    )

    @Option(help: "Recipe: paper (the paper mix), or a workload name the catalogue knows.")
    var recipe = "paper"

    @Option(help: "Comma-separated replica counts.")
    var replicas = "1,2,4,8"

    @Option(help: "Comma-separated arrival rates per replica (req/s; a workflow counts once).")
    var rpsPerReplica = "2"

    @Option(help: "Arrival window in seconds.")
    var duration = 300.0

    @Option(help: "Comma-separated seeds.")
    var seeds = "1"

    @Option(help: "Comma-separated routers.")
    var routers = RouterCatalog.names.joined(separator: ",")

    @Option(help: "Comma-separated schedulers.")
    var schedulers = SchedulerCatalog.benchmarkNames.filter { !SchedulerCatalog.isOracle($0) }.joined(separator: ",")

    @Flag(help: "Also find the fewest replicas for jitserve+jitserve to match the best baseline pair at the largest count.")
    var savings = false

    @Option(help: "Seconds after the arrival window that requests may still finish.")
    var drain = 600.0

    @Option(help: "Seconds between a router's scrapes of each replica's /metrics (0: a fresh view at every arrival).")
    var scrapeInterval = 0.0

    @Option(help: "Simulations run in parallel (default: cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var engine: EngineOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var lengths: PredictorOptions

    /// The workload the recipe replays (`paper` is the paper mix).
    var workloadName: String { recipe == "paper" ? "paper-mix" : recipe }

    func validate() throws {
        _ = try replicaCounts()
        _ = try perReplicaRates()
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard drain >= 0 else { throw ValidationError("--drain must not be negative") }
        guard scrapeInterval >= 0 else { throw ValidationError("--scrape-interval must not be negative") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        _ = try CommaList.validated(routers, option: "--routers", among: RouterCatalog.names)
        _ = try CommaList.validated(schedulers, option: "--schedulers", among: SchedulerCatalog.names)
        _ = try seedList()
        if savings, !(list(routers).contains("jitserve") && list(schedulers).contains("jitserve")) {
            throw ValidationError("--savings needs the jitserve router and the jitserve scheduler in the grid")
        }
        _ = try WorkloadCatalog.make(name: workloadName, rps: 1, duration: .seconds(1), seed: 1)
    }

    func list(_ text: String) -> [String] { CommaList.items(text) }

    func replicaCounts() throws -> [Int] {
        try CommaList.validated(replicas, option: "--replicas").map {
            guard let n = Int($0), n >= 1 else { throw ValidationError("--replicas: '\($0)' is not a positive count") }
            return n
        }
    }

    func perReplicaRates() throws -> [Double] {
        try CommaList.validated(rpsPerReplica, option: "--rps-per-replica").map {
            guard let v = Double($0), v > 0, v.isFinite else { throw ValidationError("--rps-per-replica: '\($0)' is not a positive rate") }
            return v
        }
    }

    func seedList() throws -> [UInt64] { try SeedList.parse(seeds) }

    func run() throws {
        let profile = try hardware.profile()
        let lengths = try self.lengths.lengths(servedModel: hardware.model.simulatedModel)
        let runner = BenchRunner(profile: profile, lengths: lengths, engine: engine.configuration(), drain: drain,
                                 scrapeInterval: scrapeInterval, parallelism: jobs)
        var jobs: [BenchRunner.Job] = []
        for count in try replicaCounts() {
            for perReplica in try perReplicaRates() {
                for seed in try seedList() {
                    let rate = perReplica * Double(count)
                    let workload = try WorkloadCatalog.make(name: workloadName, rps: rate, duration: .seconds(duration), seed: seed)
                    for router in list(routers) {
                        for scheduler in list(schedulers) {
                            jobs.append(BenchRunner.Job(workload: workload, rate: rate, seed: seed, policy: scheduler,
                                                        replicas: count, router: router))
                        }
                    }
                }
            }
        }
        Console.error("bench scale: \(jobs.count) simulations on \(profile.name), \(self.jobs) at a time")
        let started = ContinuousClock.now
        let runs = try runner.run(jobs, withDistributions: false)
        var result = ScaleResult(recipe: recipe, hardware: profile.name, runs: runs, savings: [])
        if savings { result.savings = try findSavings(runs: runs, runner: runner) }
        Console.error(String(format: "bench scale: done in %.1f s", (ContinuousClock.now - started).seconds))
        print(RouterGridTable.render(runs, title: "\(recipe) on \(profile.name)"))
        for s in result.savings { print(s.summary) }
        try output.write(result)
    }

    /// Per rate per replica and seed: the fewest replicas with which jitserve+jitserve reaches
    /// the best baseline pair's token goodput at the largest count, on that count's trace
    /// (binary search: goodput grows with replicas).
    private func findSavings(runs: [SimulationSummary], runner: BenchRunner) throws -> [ReplicaSavings] {
        guard let largest = try replicaCounts().max() else { return [] }
        var found: [ReplicaSavings] = []
        for perReplica in try perReplicaRates() {
            for seed in try seedList() {
                let rate = perReplica * Double(largest)
                let atLargest = runs.filter { $0.replicas == largest && $0.rps == rate && $0.seed == seed }
                guard let best = atLargest.filter({ RouterGridTable.isBaseline(router: $0.router ?? "", scheduler: $0.scheduler) })
                    .max(by: { $0.tokenGoodput < $1.tokenGoodput }) else { continue }
                let workload = try WorkloadCatalog.make(name: workloadName, rps: rate, duration: .seconds(duration), seed: seed)
                var goodputByReplicas: [String: Double] = [:]
                if let own = atLargest.first(where: { $0.router == "jitserve" && $0.scheduler == "jitserve" }) {
                    goodputByReplicas[String(largest)] = own.tokenGoodput
                }
                var lo = 1, hi = largest
                // Invariant: hi reaches the target (or is the largest count, which is checked last).
                while lo < hi {
                    let mid = (lo + hi) / 2
                    Console.error("bench scale: savings — jitserve+jitserve on \(mid) replica(s) at \(rate) req/s, seed \(seed)")
                    let run = try runner.run([BenchRunner.Job(workload: workload, rate: rate, seed: seed, policy: "jitserve",
                                                              replicas: mid, router: "jitserve")], withDistributions: false)[0]
                    goodputByReplicas[String(mid)] = run.tokenGoodput
                    if run.tokenGoodput >= best.tokenGoodput { hi = mid } else { lo = mid + 1 }
                }
                let reached = (goodputByReplicas[String(lo)] ?? 0) >= best.tokenGoodput
                found.append(ReplicaSavings(
                    rate: rate, seed: seed, largestReplicas: largest, baseline: best.policy, baselineGoodput: best.tokenGoodput,
                    replicas: reached ? lo : nil, goodputByReplicas: goodputByReplicas))
            }
        }
        return found
    }
}

/// What `bench scale` writes with `--json`.
struct ScaleResult: Codable {
    var recipe: String
    var hardware: String
    var runs: [SimulationSummary]
    var savings: [ReplicaSavings]
}

/// The fewest replicas with which jitserve+jitserve matched the best baseline pair's goodput.
struct ReplicaSavings: Codable {
    var rate: Double
    var seed: UInt64
    var largestReplicas: Int
    var baseline: String
    var baselineGoodput: Double
    /// nil: not even `largestReplicas` sufficed.
    var replicas: Int?
    var goodputByReplicas: [String: Double]

    enum CodingKeys: String, CodingKey {
        case rate = "rps", seed, largestReplicas = "largest_replicas", baseline, baselineGoodput = "baseline_token_goodput"
        case replicas, goodputByReplicas = "token_goodput_by_replicas"
    }

    var summary: String {
        let found = replicas.map { n in
            String(format: "%d replica(s) (%.0f%% fewer)", n, 100 * (1 - Double(n) / Double(largestReplicas)))
        } ?? "not reached with \(largestReplicas)"
        return String(format: "resource savings at %g req/s, seed %llu: %@ gets %.1f tok/s from %d replicas; jitserve+jitserve matches it with %@",
                      rate, seed, baseline, baselineGoodput, largestReplicas, found)
    }
}
