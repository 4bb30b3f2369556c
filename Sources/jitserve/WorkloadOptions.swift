import ArgumentParser
import JITServeSimulation

/// Which workload to build.
struct WorkloadOptions: ParsableArguments {
    @Option(help: "paper-mix, artifact, azure-conv, azure-code, or the path of a trace CSV (Azure 2023 or vidur schema; a length-only CSV, num_prefill_tokens,num_decode_tokens, gets Poisson arrivals at --rps), or a ServeGen client directory (chunk-N-trace.csv + chunk-N-dataset.json: its busiest window of the day, each client its own application).")
    var workload = "paper-mix"

    @Option(help: "Arrivals per second (paper-mix: Poisson rate; traces: rescale timestamps to this mean rate).")
    var rps: Double?

    @Option(help: "Arrival window in seconds (traces: default the whole trace; a ServeGen directory: one 600-s window).")
    var duration: Double?

    @Option(help: "Seed of every random draw.")
    var seed: UInt64 = 1

    func validate() throws {
        if let rps, !(rps > 0 && rps.isFinite) { throw ValidationError("--rps must be a positive number, got \(rps)") }
        if let duration, !(duration > 0 && duration.isFinite) {
            throw ValidationError("--duration must be a positive number of seconds, got \(duration)")
        }
    }

    func make(rps override: Double? = nil, seed seedOverride: UInt64? = nil) throws -> Workload {
        let built = try WorkloadCatalog.make(
            name: workload, rps: override ?? rps, duration: duration.map { .seconds($0) }, seed: seedOverride ?? seed)
        Console.notes(built.notes)
        return built
    }
}
