import Dispatch
import Foundation
import JITServeCore
import JITServeEngine
import JITServePrediction
import JITServeScheduling
import JITServeSetup
import JITServeSimulation

/// Runs every (cell, policy) simulation of a matrix on a few threads. A cell's workload is built
/// by the first of its jobs to start and shared by the others, then dropped when its last job
/// ends; progress goes to stderr.
struct MatrixRunner: Sendable {
    struct PlannedCell: Sendable {
        var cell: BenchmarkMatrix.Cell
        var saturation: SaturationEstimate
        var rate: Double
    }

    let cells: [PlannedCell]
    let policies: [String]
    /// Length estimates every non-oracle policy is told; the served model is each cell's.
    let lengths: LengthEstimatorSettings
    let duration: Double
    /// Each cell's workload is drawn once per seed; every policy replays every draw.
    let seeds: [UInt64]
    /// Sheds at each arrival, for every policy alike (nil: off).
    let admission: AdmissionControl?
    let maxBatchedTokens: Int
    let drain: Double
    let parallelism: Int

    /// This thread's CPU time so far.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Every cell's results, and the CPU seconds the simulations took over all threads: what
    /// the run costs on an idle machine, whatever else shares this one.
    func run() throws -> (cells: [MatrixReport.CellResult], cpuSeconds: Double) {
        // Heaviest cells first (highest load, then batch cap), so the last jobs left are short.
        // A draw is one cell under one seed: `draw / seeds.count` is the cell.
        let order = cells.indices.sorted {
            let a = cells[$0].cell, b = cells[$1].cell
            return a.loadMultiple != b.loadMultiple ? a.loadMultiple > b.loadMultiple
                : a.maxRunning != b.maxRunning ? a.maxRunning > b.maxRunning : $0 < $1
        }
        let jobs = order.flatMap { c in
            seeds.indices.flatMap { s in policies.indices.map { (draw: c * seeds.count + s, policy: $0) } }
        }
        let state = State(drawCount: cells.count * seeds.count, policyCount: policies.count)
        let next = ResultBox.Counter()
        let started = ContinuousClock.now
        let group = DispatchGroup()
        for _ in 0..<min(parallelism, jobs.count) {
            DispatchQueue.global().async(group: group) {
                while let j = next.take(below: jobs.count) {
                    let (d, p) = jobs[j]
                    let c = d / seeds.count, seed = seeds[d % seeds.count]
                    let cpuBefore = Self.threadCPUSeconds()
                    let outcome = Result { try simulate(cell: c, seed: seed, draw: d, policy: policies[p], state: state) }
                    let cpu = Self.threadCPUSeconds() - cpuBefore
                    let done = state.finish(draw: d, policy: p, outcome, cpuSeconds: cpu)
                    let elapsed = (ContinuousClock.now - started).seconds
                    let eta = elapsed / Double(done) * Double(jobs.count - done)
                    let figure = (try? outcome.get()).map { String(format: "%.1f tok/s, %.1f s CPU", $0.tokenGoodput, cpu) } ?? "failed"
                    let seedNote = seeds.count > 1 ? " seed \(seed)" : ""
                    Console.error("  [\(done)/\(jobs.count)] \(policies[p]) on \(cells[c].cell.label)\(seedNote): \(figure)"
                                  + String(format: " (%.0f s elapsed, ~%.0f s left)", elapsed, eta))
                }
            }
        }
        group.wait()
        let results = try cells.indices.map { c in
            MatrixReport.CellResult(cell: cells[c].cell, saturation: cells[c].saturation, rate: cells[c].rate,
                                    runs: try seeds.indices.flatMap { s in
                                        try state.outcomes(draw: c * seeds.count + s).map { try $0.get() }
                                    })
        }
        return (results, state.cpuSeconds)
    }

    private func simulate(cell c: Int, seed: UInt64, draw: Int, policy: String, state: State) throws -> SimulationSummary {
        let planned = cells[c]
        let workload = try state.workload(draw: draw) {
            try WorkloadCatalog.make(name: planned.cell.workload, rps: planned.rate, duration: .seconds(duration), seed: seed)
        }
        let profile = try HardwareProfile.named(model: planned.cell.model, gpu: planned.cell.gpu)
        var lengths = self.lengths
        lengths.servedModel = planned.cell.model
        let engine = Self.engine(for: planned.cell, maxBatchedTokens: maxBatchedTokens, admission: admission)
        let builder = try EngineBuilder(policy: policy, lengths: lengths, configuration: engine)
        let result = try Simulator(
            workload: workload, makeExecutor: { SimulatedExecutor(profile: profile) }, makeEngine: builder.makeReplayEngine,
            options: .init(drainLimit: .seconds(drain), stopsWhenNothingCanCount: true)
        ).run()
        return SimulationSummary(scheduler: policy, workload: workload.name, hardware: profile.name,
                                 lengthPredictor: builder.lengthPredictorName, rps: planned.rate, seed: seed, result: result)
    }

    /// A cell's engine settings: its batch cap and preemption, the matrix's token budget and admission.
    static func engine(
        for cell: BenchmarkMatrix.Cell, maxBatchedTokens: Int, admission: AdmissionControl?
    ) -> EngineConfiguration {
        EngineConfiguration(
            maxBatchedTokens: maxBatchedTokens, maxRunning: cell.maxRunning,
            preemptionMode: PreemptionMode(rawValue: cell.preemption) ?? .recompute, admission: admission)
    }

    /// Shared between worker threads: each draw's workload (a cell under one seed) while its
    /// jobs run, and every outcome.
    final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var workloads: [Int: Workload] = [:]
        private var building: [Int: NSLock] = [:]
        private var outcomes: [[Result<SimulationSummary, any Error>?]]
        private var remaining: [Int]
        private var finished = 0
        private(set) var cpuSeconds = 0.0

        init(drawCount: Int, policyCount: Int) {
            outcomes = Array(repeating: Array(repeating: nil, count: policyCount), count: drawCount)
            remaining = Array(repeating: policyCount, count: drawCount)
        }

        /// The draw's workload, built once (other threads asking meanwhile wait for it).
        func workload(draw: Int, build: () throws -> Workload) throws -> Workload {
            lock.lock()
            if let w = workloads[draw] { lock.unlock(); return w }
            let drawLock = building[draw] ?? NSLock()
            building[draw] = drawLock
            lock.unlock()
            drawLock.lock()
            defer { drawLock.unlock() }
            lock.lock()
            if let w = workloads[draw] { lock.unlock(); return w }
            lock.unlock()
            let w = try build()
            lock.lock()
            workloads[draw] = w
            lock.unlock()
            return w
        }

        /// Records an outcome; returns how many jobs have finished.
        func finish(draw: Int, policy: Int, _ outcome: Result<SimulationSummary, any Error>, cpuSeconds: Double) -> Int {
            lock.lock(); defer { lock.unlock() }
            self.cpuSeconds += cpuSeconds
            outcomes[draw][policy] = outcome
            remaining[draw] -= 1
            if remaining[draw] == 0 { workloads[draw] = nil }
            finished += 1
            return finished
        }

        func outcomes(draw: Int) -> [Result<SimulationSummary, any Error>] {
            lock.lock(); defer { lock.unlock() }
            return outcomes[draw].map { $0! }
        }
    }
}
