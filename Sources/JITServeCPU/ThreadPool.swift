import Foundation
import Synchronization

/// A fixed set of worker threads that run one data-parallel job at a time.
///
/// A batch-1 decode step dispatches a few hundred small jobs (a matrix-vector product per
/// weight matrix), each a few microseconds long, so waking threads through the kernel on every
/// job would cost as much as the work. Workers therefore spin briefly on a generation counter
/// after each job and only then sleep on a condition variable; the caller's thread takes part
/// as worker 0. Not reentrant: one owner submits jobs, one at a time.
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
        state.condition.lock()
        state.condition.broadcast()
        state.condition.unlock()
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
    let sleepers = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let condition = NSCondition()
    /// Written by the submitter before it bumps `generation`, read by workers after they see it.
    var job: ((Int, Int) -> Void)?

    /// How many polls a worker spins before it sleeps (tens of microseconds).
    let spinLimit = 20_000

    init(threadCount: Int) { self.threadCount = threadCount }

    func submit(_ body: @escaping (Int, Int) -> Void) {
        job = body
        finished.store(0, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
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
                // Classic two-flag handshake: announce sleeping, then re-check under the lock;
                // the submitter bumps the generation before it reads `sleepers`.
                condition.lock()
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen {
                    condition.wait()
                }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                condition.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            if let job { job(index, threadCount) }
            finished.add(1, ordering: .releasing)
        }
    }

    @inline(__always)
    func spinPause() {
        // A cheap pause; `sched_yield` would hand the core away for far longer.
        for _ in 0..<8 { _ = generation.load(ordering: .relaxed) }
    }
}
