import JITServeEngine

/// The grid `jitserve bench matrix` runs every policy on: engine settings × hardware × workload
/// × load, the load given as a multiple of the rate that saturates that cell's replica.
public struct BenchmarkMatrix: Sendable {
    /// One point of the grid.
    public struct Cell: Codable, Hashable, Sendable {
        public var model: String
        public var gpu: String
        public var maxRunning: Int
        public var preemption: String
        public var workload: String
        /// The load as a multiple of `saturatingRate`.
        public var loadMultiple: Double

        public init(model: String, gpu: String, maxRunning: Int, preemption: String, workload: String, loadMultiple: Double) {
            self.model = model
            self.gpu = gpu
            self.maxRunning = maxRunning
            self.preemption = preemption
            self.workload = workload
            self.loadMultiple = loadMultiple
        }

        enum CodingKeys: String, CodingKey {
            case model, gpu, maxRunning = "max_running", preemption, workload, loadMultiple = "load_multiple"
        }

        /// A short label: `llama-3.1-8b@a100 · 32 · swap · paper-mix · 2×`.
        public var label: String {
            let multiple = loadMultiple == loadMultiple.rounded() ? "\(Int(loadMultiple))" : "\(loadMultiple)"
            return "\(model)@\(gpu) · \(maxRunning) · \(preemption) · \(workloadName) · \(multiple)×"
        }

        /// The workload as tables show it: a trace file by its file name.
        public var workloadName: String { workload.split(separator: "/").last.map(String.init) ?? workload }

        /// What the saturating rate depends on (the preemption mode and load do not change it).
        public var demandKey: String { "\(model)@\(gpu)/\(maxRunning)/\(workload)" }
    }

    /// The hardware axis: (model, GPU) pairs with fitted tables.
    public var profiles: [(model: String, gpu: String)]
    public var maxRunning: [Int]
    public var preemptions: [PreemptionMode]
    public var workloads: [String]
    public var loadMultiples: [Double]

    public init(profiles: [(model: String, gpu: String)], maxRunning: [Int], preemptions: [PreemptionMode],
                workloads: [String], loadMultiples: [Double]) {
        self.profiles = profiles
        self.maxRunning = maxRunning
        self.preemptions = preemptions
        self.workloads = workloads
        self.loadMultiples = loadMultiples
    }

    /// The grid: batch cap {32, 64, 256} × preemption {recompute, swap} × {8B A100, 8B
    /// H100, 70B TP4 A100} × {paper, artifact, azure-conv, azure-code} × {½, 1, 2}× saturation.
    public static let full = BenchmarkMatrix(
        profiles: [("llama-3.1-8b", "a100"), ("llama-3.1-8b", "h100"), ("llama-3-70b", "a100")],
        maxRunning: [32, 64, 256], preemptions: [.recompute, .swap],
        workloads: ["paper-mix", "artifact", "azure-conv", "azure-code"], loadMultiples: [0.5, 1, 2])

    /// Every cell of the grid, hardware outermost.
    public var cells: [Cell] {
        var cells: [Cell] = []
        for p in profiles {
            for cap in maxRunning {
                for mode in preemptions {
                    for w in workloads {
                        for m in loadMultiples {
                            cells.append(Cell(model: p.model, gpu: p.gpu, maxRunning: cap, preemption: mode.rawValue, workload: w, loadMultiple: m))
                        }
                    }
                }
            }
        }
        return cells
    }

    /// The same grid at other multiples of the saturating rate (e.g. 5× and 10×, the deep
    /// overload that `bench --max-running 32` reaches at 2–4 req/s and the default loads never do).
    public func withLoads(_ multiples: [Double]) -> BenchmarkMatrix {
        var grid = self
        grid.loadMultiples = multiples
        return grid
    }

    /// A subset of the full grid that still covers every value of every axis, and every
    /// (workload, load) pair: 12 cells, one per (workload, load), with hardware, batch cap and
    /// preemption rotating so each of their values appears several times and in different
    /// company.
    public static var quickCells: [Cell] { quickCells(of: full) }

    /// `quickCells` of `grid` (one cell per (workload, load) of its axes).
    public static func quickCells(of grid: BenchmarkMatrix) -> [Cell] {
        var cells: [Cell] = []
        var k = 0
        for (w, workload) in grid.workloads.enumerated() {
            for (m, multiple) in grid.loadMultiples.enumerated() {
                let profile = grid.profiles[(w + m) % grid.profiles.count]
                let cap = grid.maxRunning[(w + 2 * m) % grid.maxRunning.count]
                let mode = grid.preemptions[k % grid.preemptions.count]
                cells.append(Cell(model: profile.model, gpu: profile.gpu, maxRunning: cap, preemption: mode.rawValue,
                                  workload: workload, loadMultiple: multiple))
                k += 1
            }
        }
        return cells
    }
}
