import ArgumentParser

/// How a trace replay runs beyond the engine: replicas, and how long it may drain.
struct ReplayOptions: ParsableArguments {
    @Option(help: "Seconds after the arrival window that requests may still finish.")
    var drain = 600.0

    @Option(help: "Replicas behind a least-loaded load balancer (a workflow's calls stay on one replica).")
    var replicas = 1

    func validate() throws {
        guard drain >= 0 else { throw ValidationError("--drain must not be negative") }
        guard replicas >= 1 else { throw ValidationError("--replicas must be at least 1") }
    }
}
