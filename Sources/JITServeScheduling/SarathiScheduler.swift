import JITServeCore

/// Sarathi-Serve: first come, first served with stall-free batching — every running decode
/// first, then chunked prefills fill the rest of the token budget, so a long prompt never
/// stalls the streams already running.
public struct SarathiScheduler: Scheduler {
    public let name = "sarathi"

    public init() {}

    public func schedule(_ snapshot: SchedulerSnapshot) -> SchedulePlan {
        // Indices, not rows, are filtered and sorted: the queue can hold thousands.
        let states = snapshot.running + snapshot.waiting
        let runningCount = snapshot.running.count
        func byArrival(_ indices: [Int]) -> [Int] {
            indices.sorted { VLLMScheduler.firstCome(states[$0], states[$1]) }
        }
        let decoding = byArrival((0..<runningCount).filter { !states[$0].isPrefilling })
        let prefilling = byArrival((0..<runningCount).filter { states[$0].isPrefilling })
        let waiting = byArrival(Array(runningCount..<states.count))
        return BatchPacker(chunkedPrefill: true).pack(order: decoding + prefilling + waiting, of: states, snapshot: snapshot)
    }
}
