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

    subscript(index: Int) -> SequenceState {
        index < running.count ? running[index] : waiting[index - running.count]
    }
}
