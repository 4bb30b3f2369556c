import JITServeCore
import Synchronization

/// Maps the workflow names clients send (`slo.workflow_id`, `x-workflow-id`) to engine
/// workflow IDs, and remembers when each workflow's first call arrived: a compound deadline
/// runs from there.
public final class WorkflowRegistry: Sendable {
    private struct State {
        var byName: [String: (id: WorkflowID, startedAt: Instant)] = [:]
        var nextID: UInt64 = 1
    }

    private let state = Mutex(State())
    /// Workflows remembered at most; beyond it the oldest are forgotten (a bounded store).
    public let capacity: Int

    public init(capacity: Int = 100_000) { self.capacity = capacity }

    /// The workflow called `name`, registering it as started at `now` if it is new.
    public func start(_ name: String, now: Instant) -> (WorkflowID, Instant) {
        state.withLock { s in
            if let known = s.byName[name] { return (known.id, known.startedAt) }
            if s.byName.count >= capacity {
                let oldest = s.byName.sorted { $0.value.startedAt < $1.value.startedAt }.prefix(capacity / 10 + 1)
                for (key, _) in oldest { s.byName[key] = nil }
            }
            let id = WorkflowID(s.nextID)
            s.nextID += 1
            s.byName[name] = (id, now)
            return (id, now)
        }
    }
}
