import JITServeCore

/// The reference artifact's evaluation mix (DESIGN §9, "what the reference artifact's own scripts
/// do"), beside the paper mix:
///
/// - latency : deadline : compound is 1 : 1 : 1 by **LLM calls**: a workflow arrives with weight
///   1 / (mean calls per workflow), so with 7 calls on average one arrival in 15 is a workflow;
/// - latency requests replay ShareGPT chat prompts (text and true lengths), deadline requests take
///   Azure code lengths, every output capped at 1,024 tokens (the cap is also their `max_tokens`);
/// - compound requests are half Tree-of-Thoughts — 3 thoughts × 2 rounds, i.e. stages of 3
///   generate calls, 1 value call, 3 generate, 1 value (8 calls), each call's lengths drawn from
///   one real Game-of-24 task's calls of that kind, outputs capped at 256 — and half 6-stage
///   sequential deep-research chains from real ShareGPT conversations (`DeepResearchChains`);
/// - Poisson arrivals at `rate` per second (a workflow counts once), SLO base (0.8 s, 0.08 s, 8 s)
///   scaled by a uniform tier 1…4, a workflow's deadline tier · TTLT · its stage count.
///
/// The artifact's engine settings (max_num_seqs 32, swap preemption) belong to the engine, not the
/// workload: `jitserve bench --recipe artifact` sets them.
public struct ArtifactMix: Sendable {
    public var rate: Double
    public var duration: Duration
    public var seed: UInt64
    public var tiers: SLOTiers
    public var sources: ArtifactMixSources

    /// Output cap (and `max_tokens`) of chat, deadline and deep-research calls.
    public static let outputCap = 1024
    /// Output cap (and `max_tokens`) of Tree-of-Thoughts calls.
    public static let treeOfThoughtsOutputCap = 256
    /// Tree-of-Thoughts shape: thoughts generated per round, and rounds (each ends in one value call).
    public static let thoughtsPerRound = 3
    public static let rounds = 2
    /// Calls of one Tree-of-Thoughts workflow: rounds × (thoughts + 1 value call) = 8.
    public static var treeOfThoughtsCallCount: Int { rounds * (thoughtsPerRound + 1) }
    /// Mean calls per workflow, half ToT and half deep research (8 and 6 with the shipped
    /// chains): what a workflow's arrival weight divides by.
    public var meanCallsPerWorkflow: Double {
        let chainCalls = Double(sources.deepResearch.reduce(0) { $0 + $1.callCount }) / Double(sources.deepResearch.count)
        return (Double(Self.treeOfThoughtsCallCount) + chainCalls) / 2
    }

    public init(rate: Double, duration: Duration, seed: UInt64, tiers: SLOTiers = .paper, sources: ArtifactMixSources) throws {
        try PaperMix.validate(rate: rate, duration: duration)
        self.rate = rate
        self.duration = duration
        self.seed = seed
        self.tiers = tiers
        self.sources = sources
    }

    public func make() -> Workload {
        // Kind weights: one per call, so a workflow's weight is 1 / its mean call count.
        let totalWeight = 2 + 1 / meanCallsPerWorkflow
        var mix = MixArrivals(seed: seed)
        mix.run(rate: rate, duration: duration, tiers: tiers) { mix, at, tier in
            let draw = mix.kinds.nextUnit() * totalWeight
            if draw < 1 {
                let chat = sources.chatPrompts[mix.samples.nextInt(below: sources.chatPrompts.count)]
                mix.addRequest(Self.request(
                    id: mix.takeRequestID(), at: at, prompt: chat.promptTokenCount, output: chat.outputTokenCount,
                    text: chat.text, slo: tiers.latency(tier: tier), application: "chat"))
            } else if draw < 2 {
                let code = sources.codeLengths[mix.samples.nextInt(below: sources.codeLengths.count)]
                mix.addRequest(Self.request(
                    id: mix.takeRequestID(), at: at, prompt: code.promptTokenCount, output: code.outputTokenCount,
                    text: nil, slo: tiers.deadline(tier: tier), application: "code"))
            } else {
                let id = mix.takeWorkflowID()
                let spec: WorkflowSpec
                let cap: Int
                if mix.samples.nextInt(below: 2) == 0 {
                    let task = sources.treeOfThoughts[mix.samples.nextInt(below: sources.treeOfThoughts.count)]
                    spec = Self.treeOfThoughts(from: task, id: id, using: &mix.samples)
                    cap = Self.treeOfThoughtsOutputCap
                } else {
                    let chain = sources.deepResearch[mix.samples.nextInt(below: sources.deepResearch.count)]
                    spec = WorkflowSpec(id: id, application: chain.application, stages: Self.capped(chain.stages, at: Self.outputCap))
                    cap = Self.outputCap
                }
                mix.addWorkflow(TracedWorkflow(
                    spec: spec, arrivedAt: at,
                    deadline: tiers.workflowDeadline(tier: tier, stageCount: spec.stages.count), tier: tier,
                    maxOutputTokens: cap))
            }
        }
        return Workload(name: "artifact", requests: mix.requests, workflows: mix.workflows, duration: duration)
    }

    /// A 3-thoughts × 2-rounds workflow whose generate calls are drawn (with replacement) from
    /// `task`'s propose calls and whose value calls from its value calls; outputs capped at 256.
    static func treeOfThoughts(
        from task: TreeOfThoughtsTrace.TaskCalls, id: WorkflowID, using generator: inout SplitMix64
    ) -> WorkflowSpec {
        // A task that logged only one kind lends those calls to the other kind too.
        let propose = task.propose.isEmpty ? task.value : task.propose
        let value = task.value.isEmpty ? task.propose : task.value
        var stages: [WorkflowSpec.Stage] = []
        for _ in 0..<rounds {
            stages.append(WorkflowSpec.Stage(calls: (0..<thoughtsPerRound).map { _ in
                propose[generator.nextInt(below: propose.count)]
            }))
            stages.append(WorkflowSpec.Stage(calls: [value[generator.nextInt(below: value.count)]]))
        }
        return WorkflowSpec(id: id, application: TreeOfThoughtsTrace.application,
                            stages: capped(stages, at: treeOfThoughtsOutputCap))
    }

    static func capped(_ stages: [WorkflowSpec.Stage], at cap: Int) -> [WorkflowSpec.Stage] {
        stages.map { stage in
            var stage = stage
            for c in stage.calls.indices { stage.calls[c].outputTokenCount = min(stage.calls[c].outputTokenCount, cap) }
            return stage
        }
    }

    /// A chat or deadline request, its output and `max_tokens` capped at `outputCap`.
    static func request(
        id: UInt64, at: Instant, prompt: Int, output: Int, text: String?, slo: SLO, application: String
    ) -> TracedRequest {
        TracedRequest(
            request: Request(
                id: RequestID(id), arrivedAt: at, promptTokenCount: prompt, promptText: text,
                maxOutputTokens: outputCap, slo: slo, application: application),
            outputTokenCount: min(output, outputCap))
    }
}
