import JITServeCore

/// vLLM's classic policy (v0 default): first come, first served; an iteration either admits
/// whole prefills or decodes every running request; when KV runs out the newest running
/// request is preempted (recompute). Prefills never share an iteration with decodes, which is
/// what makes its TBT stall behind long prompts.
public struct VLLMScheduler: Scheduler {
    public let name = "vllm"

    public init() {}

    public func schedule(_ snapshot: SchedulerSnapshot) -> SchedulePlan {
        let budget = snapshot.budget
        // Prefill phase: admit waiting requests in arrival order while whole prompts fit.
        var scheduled: [ScheduledWork] = []
        var tokensLeft = budget.maxBatchedTokens
        var freeBlocks = budget.freeBlockCount
        let busy = snapshot.running.count
        for s in snapshot.waiting {
            if busy + scheduled.count >= budget.maxRunning { break }
            let chunk = s.pendingTokenCount
            let needed = budget.blocks(for: s.computedTokenCount + chunk)
            // Leave one block per running request so admitted prefills do not force immediate
            // preemption of the decodes (vLLM's watermark).
            if needed > freeBlocks - busy { break }
            if chunk > tokensLeft && !scheduled.isEmpty { break }
            scheduled.append(ScheduledWork(requestID: s.id, tokenCount: chunk))
            tokensLeft -= chunk
            freeBlocks -= needed
            if tokensLeft <= 0 { break }
        }
        if !scheduled.isEmpty { return SchedulePlan(scheduled: scheduled) }
        // Decode phase: every running request, oldest first; the newest give way for memory.
        let ordered = snapshot.running.sorted(by: Self.firstCome)
        return BatchPacker(chunkedPrefill: false).pack(ordered, snapshot: snapshot)
    }

    static func firstCome(_ a: SequenceState, _ b: SequenceState) -> Bool {
        a.arrivedAt != b.arrivedAt ? a.arrivedAt < b.arrivedAt : a.id < b.id
    }
}
