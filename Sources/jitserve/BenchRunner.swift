import Dispatch
import JITServeCore
import JITServeEngine
import JITServeSetup
import JITServeSimulation

/// Runs simulations on a few threads at once; results come back in job order.
struct BenchRunner: Sendable {
    struct Job: Sendable {
        var workload: Workload
        var rate: Double
        var seed: UInt64
        var policy: String
        var replicas: Int
        /// nil: the simulator's default router.
        var router: String? = nil
        /// When given, attainment is also counted over the units it finds feasible.
        var feasibility: IdleFeasibility? = nil
    }

    let profile: HardwareProfile
    let lengths: LengthEstimatorSettings
    let engine: EngineConfiguration
    /// Seconds requests may go on finishing after the arrival window.
    let drain: Double
    /// Seconds between a router's scrapes (0: fresh at every arrival).
    var scrapeInterval = 0.0
    let parallelism: Int
    /// Where each run's requests go as it finishes (`--requests-out`), if anywhere.
    var requestLog: RequestLogFile? = nil

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
            options: ReplayOptions.simulatorOptions(
                drain: drain, scrapeInterval: scrapeInterval, replicas: job.replicas, router: job.router, lengths: lengths))
        let result = try simulator.run()
        var summary = SimulationSummary(
            scheduler: job.policy, workload: job.workload.name, hardware: profile.name,
            lengthPredictor: builder.lengthPredictorName, rps: job.rate, seed: job.seed, result: result)
        summary.replicas = job.replicas
        summary.router = job.router
        summary.feasibleAttainment = job.feasibility?.attainment(
            of: result, workflowCallCounts: simulator.plan.workflowCallCounts)
        if withDistributions { summary.addDistributions(from: result, workflowCallCounts: simulator.plan.workflowCallCounts) }
        try requestLog?.append(
            records: result.records,
            run: RequestLog.Run(scheduler: job.policy, workload: job.workload.name, rps: job.rate, seed: job.seed),
            workflowCallCounts: simulator.plan.workflowCallCounts, window: job.workload.duration)
        return summary
    }

    /// The units of `workload` that meet their SLO alone on an idle replica of this runner's
    /// GPU (replayed by `sarathi`: alone, the policy hardly matters).
    func idleFeasibility(of workload: Workload) throws -> IdleFeasibility {
        let builder = try EngineBuilder(policy: "sarathi", lengths: lengths, configuration: engine)
        let profile = self.profile
        return try IdleFeasibility(
            workload: workload, makeExecutor: { SimulatedExecutor(profile: profile) }, makeEngine: builder.makeReplayEngine)
    }
}
