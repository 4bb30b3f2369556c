import JITServeCore
import JITServeSimulation

extension Workload {
    /// A Poisson process at `rate` per second over `duration`, each arrival a request drawn at
    /// random (with replacement) from the workload's: a constant load with the workload's mix of
    /// lengths and SLOs, where a rescaled trace keeps its bursts and its drift (the Azure trace's
    /// lengths change over its hour, so two windows of it at two rates are two different mixes).
    ///
    /// Lengths, SLOs and labels are kept, IDs are fresh. Only request workloads can be re-timed:
    /// a workflow's stages follow its calls, not a clock.
    public func poissonArrivals(rate: Double, duration: Duration, seed: UInt64) throws -> Workload {
        guard rate > 0, rate.isFinite else {
            throw LoadError.invalidOption(option: "--rps", reason: "a Poisson rate must be positive, got \(rate)")
        }
        guard duration > .zero else {
            throw LoadError.invalidOption(option: "--duration", reason: "a Poisson window must be positive")
        }
        guard workflows.isEmpty else {
            throw LoadError.invalidOption(
                option: "--arrivals", reason: "poisson re-times request traces; \(name) has workflows (its own arrivals are Poisson already)")
        }
        guard !requests.isEmpty else {
            throw LoadError.invalidOption(option: "--arrivals", reason: "\(name) has no requests to re-time")
        }
        // Streams of their own: the gaps do not shift when the draw of requests changes.
        let root = SplitMix64(seed: seed)
        var gaps = root.split(0xA771)
        var picks = root.split(0x9C4)
        let end = duration.seconds
        var retimed: [TracedRequest] = []
        var at = gaps.nextExponential(rate: rate)
        while at < end {
            let source = requests[Int.random(in: 0..<requests.count, using: &picks)]
            let request = Request(
                id: RequestID(UInt64(retimed.count + 1)), arrivedAt: Instant(seconds: at),
                promptTokenCount: source.request.promptTokenCount, promptTokenIDs: source.request.promptTokenIDs,
                promptText: source.request.promptText, maxOutputTokens: source.request.maxOutputTokens,
                slo: source.request.slo, sampling: source.request.sampling, application: source.request.application)
            retimed.append(TracedRequest(request: request, outputTokenCount: source.outputTokenCount))
            at += gaps.nextExponential(rate: rate)
        }
        return Workload(name: name, requests: retimed, workflows: [], duration: duration)
    }
}
