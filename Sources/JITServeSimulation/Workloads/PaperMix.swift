import JITServeCore

/// The evaluation mix of DESIGN §9: latency, deadline and compound requests, 1 : 1 : 1 by
/// arrival, Poisson arrivals, SLOs scaled by a tier drawn uniformly from 1…4.
///
/// - Latency requests replay a chat prompt (text and true lengths) from the ShareGPT sample.
/// - Deadline requests take the prompt and output lengths of a random Azure code request.
/// - Compound requests are Tree-of-Thoughts or MetaGPT workflows, 1 : 1; a workflow counts as one
///   arrival and its deadline is tier · TTLT · its stage count.
///
/// Every draw comes from `SplitMix64` streams split from `seed` (arrival gaps, kinds,
/// samples, tiers each their own), so the same seed gives the same workload.
public struct PaperMix: Sendable {
    /// Arrivals per second (a workflow counts once).
    public var rate: Double
    /// Arrivals fall in `[0, duration)`.
    public var duration: Duration
    public var seed: UInt64
    public var tiers: SLOTiers
    public var sources: PaperMixSources

    /// `max_tokens` given to every request: large enough never to cut a true length in the
    /// sources (longest output: 1,899 tokens in Azure code), raised to the true length if one
    /// is longer. The true length itself stays in `TracedRequest.outputTokenCount`.
    public static let maxOutputTokensFloor = 4096

    public init(
        rate: Double, duration: Duration, seed: UInt64, tiers: SLOTiers = .paper, sources: PaperMixSources
    ) throws {
        try Self.validate(rate: rate, duration: duration)
        self.rate = rate
        self.duration = duration
        self.seed = seed
        self.tiers = tiers
        self.sources = sources
    }

    public func make() -> Workload {
        var mix = MixArrivals(seed: seed)
        mix.run(rate: rate, duration: duration, tiers: tiers) { mix, at, tier in
            switch mix.kinds.nextInt(below: 3) {
            case 0:
                let chat = sources.chatPrompts[mix.samples.nextInt(below: sources.chatPrompts.count)]
                mix.addRequest(Self.request(
                    id: mix.takeRequestID(), at: at, prompt: chat.promptTokenCount, output: chat.outputTokenCount,
                    text: chat.text, slo: tiers.latency(tier: tier), application: "chat"))
            case 1:
                let code = sources.codeLengths[mix.samples.nextInt(below: sources.codeLengths.count)]
                mix.addRequest(Self.request(
                    id: mix.takeRequestID(), at: at, prompt: code.promptTokenCount, output: code.outputTokenCount,
                    text: nil, slo: tiers.deadline(tier: tier), application: "code"))
            default:
                let id = mix.takeWorkflowID()
                let spec: WorkflowSpec
                if mix.samples.nextInt(below: 2) == 0 {
                    let shape = sources.treeOfThoughts[mix.samples.nextInt(below: sources.treeOfThoughts.count)]
                    spec = WorkflowSpec(id: id, application: shape.application, stages: shape.stages)
                } else {
                    let run = sources.metaGPT[mix.samples.nextInt(below: sources.metaGPT.count)]
                    spec = MetaGPTTrace.resample(run, id: id, using: &mix.samples)
                }
                mix.addWorkflow(TracedWorkflow(
                    spec: spec, arrivedAt: at,
                    deadline: tiers.workflowDeadline(tier: tier, stageCount: spec.stages.count), tier: tier))
            }
        }
        return Workload(name: "paper-mix", requests: mix.requests, workflows: mix.workflows, duration: duration)
    }

    /// The most arrivals one workload may draw. A rate typed with a wrong exponent (`--rps 1e9`)
    /// otherwise builds requests until the machine runs out of memory, minutes later and with no
    /// message; ten million is far beyond any trace or window a simulation here replays.
    public static let maxArrivals = 10_000_000

    /// Refuses a rate or window that cannot describe arrivals (the CLI's `--rps`, `--duration`),
    /// or that together would draw more than `maxArrivals`.
    public static func validate(rate: Double?, duration: Duration?) throws {
        if let rate, !(rate.isFinite && rate > 0) {
            throw SimulationError.invalidOption(
                option: "--rps", value: "\(rate)", reason: "must be a positive, finite number of arrivals per second")
        }
        if let duration, !(duration > .zero) {
            throw SimulationError.invalidOption(
                option: "--duration", value: "\(duration.seconds)", reason: "must be a positive number of seconds")
        }
        if let rate, let duration, rate * duration.seconds > Double(maxArrivals) {
            throw SimulationError.invalidOption(
                option: "--rps", value: "\(rate)",
                reason: "over a \(duration.seconds)-s window it draws about \(Int(rate * duration.seconds)) arrivals; "
                    + "a workload holds at most \(maxArrivals)")
        }
    }

    static func request(
        id: UInt64, at: Instant, prompt: Int, output: Int, text: String?, slo: SLO, application: String
    ) -> TracedRequest {
        TracedRequest(
            request: Request(
                id: RequestID(id), arrivedAt: at, promptTokenCount: prompt, promptText: text,
                maxOutputTokens: max(output, maxOutputTokensFloor), slo: slo, application: application),
            outputTokenCount: output)
    }
}
