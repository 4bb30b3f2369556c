import Dispatch
import Foundation
import Synchronization

/// A fixed set of worker threads that run one data-parallel job at a time.
///
/// A batch-1 decode step dispatches a few hundred small jobs (a matrix-vector product per
/// weight matrix), each a few microseconds long, so waking threads through the kernel on every
/// job would cost as much as the work. Workers therefore spin briefly on a generation counter
/// after each job and only then park on a semaphore; the caller's thread takes part as worker 0.
/// Not reentrant: one owner submits jobs, one at a time.
public final class ThreadPool: @unchecked Sendable {
    /// Threads that run a job, the caller's included.
    public let threadCount: Int

    private let state: State

    /// Starts `threadCount - 1` worker threads (the caller is the last one).
    public init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
        let state = State(threadCount: self.threadCount)
        self.state = state
        for index in 1..<self.threadCount {
            // Workers hold the shared state, never the pool, so the pool's deinit can stop them.
            let thread = Thread { state.workerLoop(index: index) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        state.stopping.store(true, ordering: .sequentiallyConsistent)
        state.generation.add(1, ordering: .sequentiallyConsistent)
        state.wakeSleepers()
    }

    /// Runs `body(thread, threadCount)` on every thread and returns when all have finished.
    public func run(_ body: @escaping (_ thread: Int, _ threadCount: Int) -> Void) {
        if threadCount == 1 {
            body(0, 1)
            return
        }
        state.submit(body)
    }

    /// Splits `0..<count` into one contiguous range per thread (multiples of `granularity`)
    /// and runs `body` on each non-empty range in parallel.
    public func parallelFor(
        _ count: Int, granularity: Int = 1, _ body: @escaping (Range<Int>) -> Void
    ) {
        if count <= 0 { return }
        let units = (count + granularity - 1) / granularity
        let threads = min(threadCount, units)
        if threads <= 1 {
            body(0..<count)
            return
        }
        run { thread, _ in
            guard thread < threads else { return }
            let lower = units * thread / threads * granularity
            let upper = min(count, units * (thread + 1) / threads * granularity)
            if lower < upper { body(lower..<upper) }
        }
    }
}

/// What the pool's threads share; owned jointly by the pool and its workers.
private final class State: @unchecked Sendable {
    let threadCount: Int
    let generation = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
    /// Workers about to park or parked: a hint that lets `submit` skip the lock when none is.
    let sleepers = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    /// Which workers are parked, each on its own semaphore (a shared one would let a worker
    /// that parks late take the wake-up meant for another).
    let parked: Mutex<[Bool]>
    let wakeUps: [DispatchSemaphore]
    /// Written by the submitter before it bumps `generation`, read by workers after they see it.
    var job: ((Int, Int) -> Void)?

    /// How many polls a worker spins before it sleeps (tens of microseconds).
    let spinLimit = 20_000

    init(threadCount: Int) {
        self.threadCount = threadCount
        parked = Mutex([Bool](repeating: false, count: threadCount))
        wakeUps = (0..<threadCount).map { _ in DispatchSemaphore(value: 0) }
    }

    func submit(_ body: @escaping (Int, Int) -> Void) {
        job = body
        finished.store(0, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        wakeSleepers()
        body(0, threadCount)
        var spins = 0
        while finished.load(ordering: .acquiring) < threadCount - 1 {
            spinPause()
            spins += 1
            // On an oversubscribed machine a worker may be waiting for this very core: give it
            // up rather than spin away the worker's time slice.
            if spins > 2_000 { sched_yield() }
        }
        job = nil
    }

    func workerLoop(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && spins < spinLimit {
                spinPause()
                spins += 1
            }
            if generation.load(ordering: .sequentiallyConsistent) == seen {
                // Two-flag handshake: announce first, then re-check the generation; `submit`
                // bumps the generation first, then reads the announcement. One of the two sees
                // the other, so no wake-up is lost.
                sleepers.add(1, ordering: .sequentiallyConsistent)
                let parks = parked.withLock { parked in
                    guard generation.load(ordering: .sequentiallyConsistent) == seen else { return false }
                    parked[index] = true
                    return true
                }
                if parks { wakeUps[index].wait() }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                // Woken, or the job came in meanwhile: either way the generation has moved on.
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            if let job { job(index, threadCount) }
            finished.add(1, ordering: .releasing)
        }
    }

    /// Signals every parked worker once (after the generation moved on).
    func wakeSleepers() {
        guard sleepers.load(ordering: .sequentiallyConsistent) > 0 else { return }
        let waking = parked.withLock { parked in
            defer { parked = [Bool](repeating: false, count: parked.count) }
            return parked.indices.filter { parked[$0] }
        }
        for index in waking { wakeUps[index].signal() }
    }

    @inline(__always)
    func spinPause() {
        // A cheap pause; `sched_yield` would hand the core away for far longer.
        for _ in 0..<8 { _ = generation.load(ordering: .relaxed) }
    }
}
