import ArgumentParser
import JITServeSimulation

/// The simulated GPU: which model on which GPU (`simulate`, `bench`, `serve --executor sim`).
struct HardwareOptions: ParsableArguments {
    @OptionGroup var model: ModelOptions

    @Option(help: "Simulated GPU: a100 (A100-80GB) or h100 (H100-80GB).")
    var gpu = "a100"

    func profile() throws -> HardwareProfile { try HardwareProfile.named(model: model.simulatedModel, gpu: gpu) }
}
