import JITServeCore

/// Sarathi-Serve: first come, first served with stall-free batching — every running decode
/// first, then chunked prefills fill the rest of the token budget, so a long prompt never
/// stalls the streams already running.
public struct SarathiScheduler: Scheduler {
    public let name = "sarathi"

    public init() {}

    public func schedule(_ snapshot: SchedulerSnapshot) -> SchedulePlan {
        let decoding = snapshot.running.filter { !$0.isPrefilling }.sorted(by: VLLMScheduler.firstCome)
        let prefilling = snapshot.running.filter { $0.isPrefilling }.sorted(by: VLLMScheduler.firstCome)
        let ordered = decoding + prefilling + snapshot.waiting.sorted(by: VLLMScheduler.firstCome)
        return BatchPacker(chunkedPrefill: true).pack(ordered, snapshot: snapshot)
    }
}
