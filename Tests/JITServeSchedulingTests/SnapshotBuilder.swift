import JITServeCore
import JITServeScheduling

/// Hand-built scheduler inputs for policy tests.
enum Snap {
    static func seq(
        _ id: UInt64, arrived: Double = 0, prompt: Int = 100, generated: Int = 0, computed: Int? = nil,
        blocks: Int? = nil, slo: SLO = .latency(ttft: .seconds(1), tbt: .milliseconds(100)),
        length: Int = 100, distribution: LengthDistribution? = nil, service: Int = 0
    ) -> SequenceState {
        let c = computed ?? (generated > 0 ? prompt + generated - 1 : 0)
        return SequenceState(
            id: RequestID(id), slo: slo, arrivedAt: Instant(seconds: arrived), promptTokenCount: prompt,
            maxOutputTokens: 4096, length: distribution ?? .exactly(length), generatedTokenCount: generated,
            computedTokenCount: c, allocatedBlockCount: blocks ?? (c + 15) / 16,
            attainedServiceTokens: service)
    }

    static func snapshot(
        running: [SequenceState] = [], waiting: [SequenceState] = [], now: Double = 1,
        tokens: Int = 2048, maxRunning: Int = 256, free: Int = 1000, workflows: [WorkflowID: WorkflowEstimate] = [:]
    ) -> SchedulerSnapshot {
        SchedulerSnapshot(
            now: Instant(seconds: now), running: running, waiting: waiting,
            budget: BatchBudget(maxBatchedTokens: tokens, maxRunning: maxRunning, blockSize: 16,
                                freeBlockCount: free),
            iterationSeconds: 0.03, workflows: workflows)
    }

    static func ids(_ plan: SchedulePlan) -> [UInt64] { plan.scheduled.map(\.requestID.rawValue) }

    /// Where GMAX (with `options`) ranks request `id` of `snapshot`.
    static func standing(of id: UInt64, in snapshot: SchedulerSnapshot, _ options: GMAXScheduler.Options = .init()) -> GMAXScheduler.Standing? {
        GMAXScheduler(options: options).standings(snapshot).first { $0.id.rawValue == id }
    }

    /// Tokens scheduled per request ID, whatever the plan's order.
    static func tokens(_ plan: SchedulePlan) -> [UInt64: Int] {
        Dictionary(uniqueKeysWithValues: plan.scheduled.map { ($0.requestID.rawValue, $0.tokenCount) })
    }
}
