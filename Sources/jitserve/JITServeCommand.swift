import ArgumentParser

/// The `jitserve` command-line tool.
@main
struct JITServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jitserve",
        abstract: "An SLO-aware LLM serving system that maximises service goodput.",
        discussion: """
            jitserve schedules every iteration so that the most tokens reach users within their \
            own SLO (streaming chat, deadline-bound tool calls, multi-call agent workflows).
            """,
        subcommands: [
            // Each subcommand lives in its own file, <Name>Command.swift.
            SimulateCommand.self,
            WorkloadCommand.self,
            ServeCommand.self,
            BenchCommand.self,
            PredictorCommand.self,
            ModelCommand.self,
            GenerateCommand.self,
            RouteCommand.self,
        ]
    )

    /// Every command runs with the same allocator settings, so that `bench scheduler` times a
    /// decision as `serve` and `simulate` make it.
    static func main() async {
        MallocTuning.keepIterationBuffers()
        await main(nil)
    }
}
