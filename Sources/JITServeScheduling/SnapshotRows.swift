/// A snapshot's running requests, then its waiting ones, as one collection indexed from 0 —
/// what `running + waiting` would be, without copying ten thousand rows (and retaining each
/// row's length distribution) every iteration.
struct SnapshotRows: RandomAccessCollection {
    let running: [SequenceState]
    let waiting: [SequenceState]

    init(_ snapshot: SchedulerSnapshot) {
        running = snapshot.running
        waiting = snapshot.waiting
    }

    var startIndex: Int { 0 }
    var endIndex: Int { running.count + waiting.count }

    /// Lends the row rather than copying it: a caller that reads a field of ten thousand rows
    /// an iteration would otherwise retain and release each row's length distribution.
    subscript(index: Int) -> SequenceState {
        _read {
            if index < running.count { yield running[index] } else { yield waiting[index - running.count] }
        }
    }
}
