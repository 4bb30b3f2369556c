import ArgumentParser
import Dispatch
import Foundation
import JITServeCore
import JITServeEngine
import JITServePrediction
import JITServeScheduling
import JITServeSetup
import JITServeSimulation

/// `jitserve bench matrix`: every policy on a grid of engine settings, hardware, workloads and
/// loads, with jitserve's standing per cell, worst cells first.
struct BenchMatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Every policy on a grid: batch cap × preemption × hardware × workload × load; worst cells first.",
        discussion: """
            The full grid is max_num_seqs {32, 64, 256} × preemption {recompute, swap} × \
            {llama-3.1-8b@a100, llama-3.1-8b@h100, llama-3-70b@a100×4} × {paper-mix, artifact, \
            azure-conv, azure-code} × load {½, 1, 2}× (--loads) the rate that saturates that cell's replica \
            (from the workload's tokens per arrival and the latency model's decode and prefill rates): \
            216 cells; a trace file named in --workloads joins the workload axis. Each cell's workload is built once per seed (--seeds; default one) and replayed by every policy; cells run \
            in parallel. Every policy is shed by the same admission control as `serve` \
            (--admission off to take every request). --quick runs one cell per (workload, load) pair, 12 by default, that still cover every \
            value of every axis. Prints per cell jitserve ÷ best baseline and ÷ jitserve-oracle, \
            worst first; --json and --report DIR write every run.
            """
    )

    @Flag(help: "Run the 12-cell subset that covers every axis value.")
    var quick = false

    @Option(help: "Comma-separated policies (default: the bench list).")
    var schedulers = SchedulerCatalog.benchmarkNames.joined(separator: ",")

    @Option(help: "Arrival window per cell, seconds.")
    var duration = 300.0

    @Option(help: ArgumentHelp("Comma-separated load multiples: each cell replays these multiples of the rate that saturates its replica.",
                               discussion: "Default ½, 1 and 2; e.g. --loads 5,10 for the deep overload that 32 slots reach at a few requests a second."))
    var loads = "0.5,1,2"

    @Option(help: ArgumentHelp("Comma-separated workloads: only the cells of these (default: all four).",
                               discussion: "paper-mix, artifact, azure-conv, azure-code, or the path of a trace CSV or a ServeGen client directory (as `simulate --workload` reads; its requests under latency SLOs), which joins the workload axis; with --quick, that subset's cells of these."))
    var workloads: String?

    @Option(help: "Seed of every cell's workload (default 1; --seeds for several).")
    var seed: UInt64?

    @Option(help: ArgumentHelp(
        "Comma-separated seeds: each cell's workload is drawn once per seed and every policy replays each draw; a cell's figures are the means.",
        discussion: "A 300-s window holds few workflows, so one seed's paper-mix cell can swing by a workflow or two either way; --seeds 1,2,3,4 judges a cell on four draws, in four times the time."))
    var seeds: String?

    @Option(help: "Token budget per iteration (max_num_batched_tokens).")
    var maxBatchedTokens = 2048

    @Option(help: "Seconds after the arrival window that requests may still finish.")
    var drain = 600.0

    @Option(help: "Simulations run in parallel (default: cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Write the whole matrix as JSON to this path.")
    var json: String?

    @Option(help: "Write an HTML report (index.html, ratios.svg, matrix.json) into this directory.")
    var report: String?

    @OptionGroup var lengths: PredictorOptions

    @OptionGroup var admission: AdmissionOptions

    @Flag(help: "Print the cells and their rates without simulating.")
    var dryRun = false

    func validate() throws {
        guard duration > 0, duration.isFinite else { throw ValidationError("--duration must be a positive number of seconds") }
        guard drain >= 0 else { throw ValidationError("--drain must not be negative") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard maxBatchedTokens > 0 else { throw ValidationError("--max-batched-tokens must be positive") }
        _ = try seedList()
        _ = try loadMultiples()
        _ = try workloadFilter()
        _ = try CommaList.validated(schedulers, option: "--schedulers", among: SchedulerCatalog.names)
        guard policyNames().contains("jitserve") else { throw ValidationError("--schedulers must include jitserve") }
    }

    /// `--loads` as numbers: each positive and finite, none twice.
    func loadMultiples() throws -> [Double] {
        let parts = loads.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var multiples: [Double] = []
        for part in parts {
            guard let m = Double(part), m > 0, m.isFinite else {
                throw ValidationError("--loads: '\(part)' is not a positive multiple of the saturating rate")
            }
            guard !multiples.contains(m) else { throw ValidationError("--loads: \(part) is listed twice") }
            multiples.append(m)
        }
        guard !multiples.isEmpty else { throw ValidationError("--loads must list at least one multiple") }
        return multiples
    }

    /// The seeds every cell is drawn with: `--seeds`, else `--seed`, else 1.
    func seedList() throws -> [UInt64] {
        guard let seeds else { return [seed ?? 1] }
        guard seed == nil else { throw ValidationError("--seed and --seeds: give one of them") }
        return try SeedList.parse(seeds)
    }

    /// `--workloads` as names (nil: every workload of the grid), each a grid name, a trace file or
    /// a ServeGen client directory.
    func workloadFilter() throws -> [String]? {
        guard let workloads else { return nil }
        var names: [String] = []
        for name in workloads.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !names.contains(name) {
            guard BenchmarkMatrix.full.workloads.contains(name) || WorkloadCatalog.isReplayablePath(name) else {
                throw ValidationError(
                    "--workloads: '\(name)' is not one of \(BenchmarkMatrix.full.workloads.joined(separator: ", ")), nor a trace file or ServeGen client directory")
            }
            names.append(name)
        }
        guard !names.isEmpty else { throw ValidationError("--workloads must list at least one workload") }
        return names
    }

    /// The grid at `--loads`, its workload axis extended by any trace file `--workloads` names.
    func grid() throws -> BenchmarkMatrix {
        var grid = BenchmarkMatrix.full.withLoads(try loadMultiples())
        grid.workloads += (try workloadFilter() ?? []).filter { !grid.workloads.contains($0) }
        return grid
    }

    func policyNames() -> [String] { CommaList.items(schedulers) }

    func run() throws {
        let started = ContinuousClock.now
        let grid = try grid()
        let only = try workloadFilter().map(Set.init)
        let cells = (quick ? BenchmarkMatrix.quickCells(of: grid) : grid.cells).filter { only?.contains($0.workload) ?? true }
        let planned = try plan(cells)
        let names = policyNames()
        let drawSeeds = try seedList()
        Console.error(String(format: "matrix: %d cells × %d policies × %d seed(s) = %d simulations of %.0f s windows, %d at a time (planned in %.1f s)",
                             planned.count, names.count, drawSeeds.count, planned.count * names.count * drawSeeds.count, duration, jobs,
                             (ContinuousClock.now - started).seconds))
        if dryRun {
            for p in planned {
                print(p.cell.label.padding(toLength: 60, withPad: " ", startingAt: 0)
                      + String(format: " saturates at %.3f req/s → %.3f req/s", p.saturation.saturatingRate, p.rate))
            }
            return
        }
        let runner = MatrixRunner(cells: planned, policies: names, lengths: try lengths.lengths(servedModel: "llama-3.1-8b"), duration: duration,
                                  seeds: drawSeeds, admission: admission.control, maxBatchedTokens: maxBatchedTokens, drain: drain,
                                  parallelism: jobs)
        let (results, cpu) = try runner.run()
        let matrix = MatrixReport(durationSeconds: duration, seeds: drawSeeds, policies: names, cells: results)
        Console.error(String(format: "matrix: done in %.1f min wall; simulations took %.1f min of CPU (%.1f min on %d idle cores)",
                             (ContinuousClock.now - started).seconds / 60, cpu / 60, cpu / 60 / Double(jobs), jobs))
        print(matrix.table(limit: quick ? nil : 40))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try Console.write(try encoder.encode(matrix), to: json)
        }
        if let report {
            try matrix.write(to: report)
            Console.error("matrix: report written to \(report)/index.html")
        }
    }

    /// Each cell with its saturating rate and the rate it replays; one estimate per
    /// (hardware, batch cap, workload), from that workload's demand per arrival.
    func plan(_ cells: [BenchmarkMatrix.Cell]) throws -> [MatrixRunner.PlannedCell] {
        var estimates: [String: SaturationEstimate] = [:]
        var samples: [String: Workload] = [:]
        // Every seed's draw replays the rate the first seed's demand sets.
        let firstSeed = try seedList()[0]
        return try cells.map { cell in
            if estimates[cell.demandKey] == nil {
                if samples[cell.workload] == nil {
                    // The per-arrival demand does not depend on the rate; a fixed one keeps it one draw.
                    let sample = try WorkloadCatalog.make(
                        name: cell.workload, rps: 2, duration: .seconds(max(duration, 600)), seed: firstSeed)
                    Console.notes(sample.notes)
                    samples[cell.workload] = sample
                }
                let profile = try HardwareProfile.named(model: cell.model, gpu: cell.gpu)
                estimates[cell.demandKey] = SaturationEstimate(
                    workload: samples[cell.workload]!, profile: profile, engine: engine(for: cell))
            }
            let saturation = estimates[cell.demandKey]!
            return MatrixRunner.PlannedCell(cell: cell, saturation: saturation, rate: cell.loadMultiple * saturation.saturatingRate)
        }
    }

    func engine(for cell: BenchmarkMatrix.Cell) -> EngineConfiguration {
        MatrixRunner.engine(for: cell, maxBatchedTokens: maxBatchedTokens, admission: admission.control)
    }
}
