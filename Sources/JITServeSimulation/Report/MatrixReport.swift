import Foundation

/// What `jitserve bench matrix` measured: per cell, every policy's run on the cell's workload
/// (one draw per seed), and jitserve's standing against the best baseline and its oracle.
public struct MatrixReport: Codable, Sendable {
    /// One cell's runs.
    public struct CellResult: Codable, Sendable {
        public var cell: BenchmarkMatrix.Cell
        public var saturation: SaturationEstimate
        /// Arrivals per second replayed: `loadMultiple × saturatingRate`.
        public var rate: Double
        public var runs: [SimulationSummary]

        public init(cell: BenchmarkMatrix.Cell, saturation: SaturationEstimate, rate: Double, runs: [SimulationSummary]) {
            self.cell = cell
            self.saturation = saturation
            self.rate = rate
            self.runs = runs
        }

        /// `policy`'s figures on this cell: means over the seeds it ran (nil when it did not run).
        public func figures(_ policy: String) -> PolicyFigures? {
            let mine = runs.filter { $0.scheduler == policy }
            guard !mine.isEmpty else { return nil }
            let count = Double(mine.count)
            return PolicyFigures(
                scheduler: policy, tokenGoodput: mine.reduce(0) { $0 + $1.tokenGoodput } / count,
                sloAttainment: mine.reduce(0) { $0 + $1.sloAttainment } / count, seedCount: mine.count)
        }

        /// The baseline (neither jitserve nor an oracle) with the most token goodput, over the
        /// seeds together: the one that wins on average, not the luckiest seed's.
        public var bestBaseline: PolicyFigures? {
            var names: [String] = []
            for run in runs where !names.contains(run.scheduler)
                && !run.scheduler.hasPrefix("jitserve") && !run.scheduler.hasSuffix("-oracle") {
                names.append(run.scheduler)
            }
            return names.compactMap(figures).max { $0.tokenGoodput < $1.tokenGoodput }
        }

        /// jitserve's token goodput over the best baseline's (nil when either is missing; 1 when
        /// both earned nothing).
        public var versusBaseline: Double? { ratio(figures("jitserve"), bestBaseline) }
        /// jitserve's token goodput over jitserve-oracle's.
        public var versusOracle: Double? { ratio(figures("jitserve"), figures("jitserve-oracle")) }

        /// The goal this cell is held to: 1.4× where the best baseline meets under half of its
        /// SLOs (room to win), 0.95× elsewhere.
        public var goal: Double { (bestBaseline?.sloAttainment ?? 1) < 0.5 ? 1.4 : 0.95 }

        private func ratio(_ a: PolicyFigures?, _ b: PolicyFigures?) -> Double? {
            guard let a, let b else { return nil }
            if b.tokenGoodput <= 0 { return a.tokenGoodput <= 0 ? 1 : .infinity }
            return a.tokenGoodput / b.tokenGoodput
        }

        enum CodingKeys: String, CodingKey {
            case cell, saturation, rate, runs
        }
    }

    /// One policy's token goodput and SLO attainment on a cell, each the mean over the seeds
    /// it ran (`seedCount`); a cell's ratios divide these means.
    public struct PolicyFigures: Sendable, Equatable {
        public var scheduler: String
        public var tokenGoodput: Double
        public var sloAttainment: Double
        public var seedCount: Int
    }

    public var durationSeconds: Double
    /// Every cell's workload was drawn once per seed, and every policy replayed each draw.
    public var seeds: [UInt64]
    /// The first of `seeds`, which set each cell's rate (kept for readers of one-seed reports).
    public var seed: UInt64
    public var policies: [String]
    public var cells: [CellResult]

    public init(durationSeconds: Double, seeds: [UInt64], policies: [String], cells: [CellResult]) {
        self.durationSeconds = durationSeconds
        self.seeds = seeds
        self.seed = seeds.first ?? 0
        self.policies = policies
        self.cells = cells
    }

    enum CodingKeys: String, CodingKey {
        case durationSeconds = "duration_s", seeds, seed, policies, cells
    }

    /// "seed 1", or "means over seeds 1, 2, 3": what a cell's figures are.
    var seedPhrase: String {
        seeds.count == 1 ? "seed \(seeds[0])" : "means over seeds " + seeds.map(String.init).joined(separator: ", ")
    }

    /// Cells by jitserve ÷ best baseline, relative to their goal, worst first.
    public var worstFirst: [CellResult] {
        cells.sorted { a, b in
            let ra = (a.versusBaseline ?? .infinity) / a.goal, rb = (b.versusBaseline ?? .infinity) / b.goal
            return ra != rb ? ra < rb : a.cell.label < b.cell.label
        }
    }

    /// Cells that miss a goal: jitserve ÷ best baseline below the cell's goal, or ÷ oracle below 0.95.
    public var missing: [CellResult] {
        worstFirst.filter { ($0.versusBaseline ?? 0) < $0.goal || ($0.versusOracle ?? 0) < 0.95 }
    }

    /// The lowest jitserve ÷ best baseline, ÷ oracle, and the lowest ÷ best baseline among cells
    /// where the best baseline meets under half of its SLOs.
    public var worst: (versusBaseline: Double?, versusOracle: Double?, saturatedVersusBaseline: Double?) {
        (cells.compactMap(\.versusBaseline).min(), cells.compactMap(\.versusOracle).min(),
         cells.filter { $0.goal > 1 }.compactMap(\.versusBaseline).min())
    }

    /// Per value of each axis, the lowest jitserve ÷ best baseline among its cells.
    public var worstByAxis: [(axis: String, value: String, versusBaseline: Double, cells: Int)] {
        let axes: [(String, (BenchmarkMatrix.Cell) -> String)] = [
            ("hardware", { "\($0.model)@\($0.gpu)" }), ("max_num_seqs", { "\($0.maxRunning)" }),
            ("preemption", { $0.preemption }), ("workload", { $0.workloadName }),
            ("load", { "\($0.loadMultiple)×" }),
        ]
        var rows: [(String, String, Double, Int)] = []
        for (axis, key) in axes {
            var seen: [String] = []
            for c in cells where !seen.contains(key(c.cell)) { seen.append(key(c.cell)) }
            for value in seen {
                let matching = cells.filter { key($0.cell) == value }
                rows.append((axis, value, matching.compactMap(\.versusBaseline).min() ?? .nan, matching.count))
            }
        }
        return rows
    }
}
