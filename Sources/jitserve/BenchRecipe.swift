import JITServeEngine
import JITServeSimulation

/// The evaluations `jitserve bench --recipe NAME` reproduces: which workload, which rates, and
/// which engine settings the recipe's source ran with. Raw values are the CLI spellings.
enum BenchRecipe: String, CaseIterable {
    /// DESIGN §9: the paper mix (1 : 1 : 1 by arrivals, ToT and MetaGPT workflows).
    case paper
    /// The reference artifact's own scripts: 1 : 1 : 1 by LLM calls, ToT 3×2 and deep-research
    /// chains, outputs capped at 1,024 (ToT 256), max_num_seqs 32, swap preemption.
    case artifact

    static var spellings: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The workload each rate is generated from.
    var workload: String {
        switch self {
        case .paper: "paper-mix"
        case .artifact: "artifact"
        }
    }

    /// Rates swept when `--rps` is not given: from unsaturated to deeply saturated on one
    /// Llama-3.1-8B A100 at the recipe's engine settings.
    var defaultRates: String {
        switch self {
        case .paper: "0.5,1,2,3,4"
        case .artifact: "2,4,6,8,10"
        }
    }

    /// Batch cap the recipe's source ran with (nil: the engine default).
    var maxRunning: Int? {
        switch self {
        case .paper: nil
        case .artifact: 32
        }
    }

    /// Preemption mode the recipe's source ran with (nil: the engine default).
    var preemption: PreemptionMode? {
        switch self {
        case .paper: nil
        case .artifact: .swap
        }
    }

    /// Whether the table shows the artifact's weighted token goodput beside ours.
    var showsWeightedGoodput: Bool { self == .artifact }

    var summary: String {
        switch self {
        case .paper: "paper (paper-mix workload, rates \(defaultRates))"
        case .artifact: "artifact (artifact workload, rates \(defaultRates), max_num_seqs 32, swap preemption)"
        }
    }

    /// `configuration` with the recipe's engine settings, except those the user set on the
    /// command line (`given` says which options appeared).
    func engine(_ configuration: EngineConfiguration, given: (String) -> Bool) -> EngineConfiguration {
        var engine = configuration
        if let maxRunning, !given("--max-num-seqs") { engine.maxRunning = maxRunning }
        if let preemption, !given("--preemption") { engine.preemptionMode = preemption }
        return engine
    }

    /// Whether `option` appears among the process's arguments (`--name value` or `--name=value`):
    /// a recipe's engine setting must yield to one the user typed, and an option with a default
    /// cannot tell "typed" from "defaulted" by its value.
    static func commandLineGives(_ option: String) -> Bool {
        CommandLine.arguments.dropFirst().contains { $0 == option || $0.hasPrefix(option + "=") }
    }
}
