import ArgumentParser
import JITServeCPU

/// Which model: a real one on the CPU, or one whose GPU timing the simulator models.
struct ModelOptions: ParsableArguments {
    @Option(help: """
        Model. On the CPU: a catalogue name or a GGUF path (default \(ModelStore.defaultModelName)). \
        On a simulated GPU: llama-3.1-8b (default) or llama-3-70b (tensor-parallel 4).
        """)
    var model: String?

    /// The model for the CPU executor.
    var cpuModel: String { model ?? ModelStore.defaultModelName }
    /// The model for the simulated GPU.
    var simulatedModel: String { model ?? "llama-3.1-8b" }
}
