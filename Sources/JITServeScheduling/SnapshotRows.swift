/// A snapshot's running-then-waiting requests as one indexable sequence, without building the
/// concatenated array: row `i` is `running[i]` below `running.count`, else a waiting request.
///
/// A row is large (reading one by value copies it and retains its length distribution), and a
/// burst leaves thousands waiting; policies index rows in place instead.
public struct SnapshotRows: Sendable {
    public let running: [SequenceState]
    public let waiting: [SequenceState]

    public init(_ snapshot: SchedulerSnapshot) {
        running = snapshot.running
        waiting = snapshot.waiting
    }

    public init(running: [SequenceState], waiting: [SequenceState]) {
        self.running = running
        self.waiting = waiting
    }

    public var count: Int { running.count + waiting.count }
    public var runningCount: Int { running.count }

    /// Row `i`, yielded in place (no copy when only its fields are read).
    @inlinable
    public subscript(i: Int) -> SequenceState {
        _read {
            if i < running.count { yield running[i] } else { yield waiting[i - running.count] }
        }
    }

    /// Whether row `i` holds device KV as a running request.
    @inlinable
    public func isRunning(_ i: Int) -> Bool { i < running.count }
}
