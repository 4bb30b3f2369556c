import JITServeCore
import Synchronization

/// Maps the workflow names clients send (`slo.workflow_id`, `x-workflow-id`) to engine
/// workflow IDs, and remembers when each workflow's first call arrived: a compound deadline
/// runs from there.
///
/// A name is forgotten when the engine ends its workflow (`forget`: the client's final call is
/// done, or the workflow went idle past its deadline); a later call with the same name starts a
/// new workflow. `capacity` is a last guard only: beyond it the oldest names are dropped.
public final class WorkflowRegistry: Sendable {
    /// One registered workflow.
    public struct Entry: Hashable, Sendable {
        public var id: WorkflowID
        public var startedAt: Instant
        /// This call registered it (nothing had been seen under its name).
        public var isNew: Bool
    }

    private struct State {
        var byName: [String: (id: WorkflowID, startedAt: Instant)] = [:]
        var nameOf: [WorkflowID: String] = [:]
        var nextID: UInt64 = 1
    }

    private let state = Mutex(State())
    /// Workflows remembered at most; beyond it the oldest are forgotten.
    public let capacity: Int

    public init(capacity: Int = 100_000) { self.capacity = max(1, capacity) }

    /// The workflow called `name`, registering it as started at `now` if it is new.
    public func start(_ name: String, now: Instant) -> Entry {
        state.withLock { s in
            if let known = s.byName[name] { return Entry(id: known.id, startedAt: known.startedAt, isNew: false) }
            if s.byName.count >= capacity {
                let oldest = s.byName.sorted { $0.value.startedAt < $1.value.startedAt }.prefix(capacity / 10 + 1)
                for (key, value) in oldest {
                    s.byName[key] = nil
                    s.nameOf[value.id] = nil
                }
            }
            let id = WorkflowID(s.nextID)
            s.nextID += 1
            s.byName[name] = (id, now)
            s.nameOf[id] = name
            return Entry(id: id, startedAt: now, isNew: true)
        }
    }

    /// Forgets the workflow `id` (unknown IDs are ignored).
    public func forget(_ id: WorkflowID) {
        state.withLock { s in
            guard let name = s.nameOf.removeValue(forKey: id) else { return }
            if s.byName[name]?.id == id { s.byName[name] = nil }
        }
    }

    /// Workflows registered now.
    public var count: Int { state.withLock { $0.byName.count } }
}
