import ArgumentParser

/// `jitserve bench`: benchmarks that print figures measured side by side in one run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and print its figures (side by side, same run).",
        subcommands: [
            // One file per benchmark: Bench<Name>Command.swift.
            BenchPaperCommand.self,
            BenchScaleCommand.self,
            BenchRouterCommand.self,
            BenchSimulatorCommand.self,
            BenchSchedulerCommand.self,
            BenchMatrixCommand.self,
            BenchAnatomyCommand.self,
            BenchPredictorCommand.self,
            BenchLatencyModelCommand.self,
            BenchCPUCommand.self,
            BenchHTTPCommand.self,
            BenchLiveCommand.self,
            BenchWorkflowsCommand.self,
            BenchServeCPUCommand.self,
            BenchRouteCommand.self,
        ],
        // `jitserve bench --recipe paper …` runs the paper's evaluation.
        defaultSubcommand: BenchPaperCommand.self
    )
}
