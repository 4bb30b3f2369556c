import Dispatch
import Foundation
import Synchronization

/// A fixed set of worker threads that run one data-parallel job at a time.
///
/// A batch-1 decode step dispatches a few hundred small jobs (a matrix-vector product per
/// weight matrix), each a few microseconds long, so waking threads through the kernel on every
/// job would cost as much as the work. Workers therefore spin briefly on a generation counter
/// after each job and only then park on a semaphore; the caller's thread takes part as worker 0.
///
/// Jobs are made of pieces that any thread may claim, and the caller waits only for the workers
/// that joined the job before it ran out of pieces, never for one that has not started: when
/// a worker is off its core (another process, or the server's own threads on a small machine),
/// the caller does the whole job itself instead of stalling until the scheduler brings the
/// worker back. Not reentrant: one owner submits jobs, one at a time.
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
        state.gate.add(State.generationUnit, ordering: .sequentiallyConsistent)
        state.wakeSleepers()
    }

    /// Runs `body(thread, threadCount)` on the caller's thread and on each worker that joins
    /// before the caller's own call returns; returns when all of those have finished. `body`
    /// must claim its work from shared state, since any worker may be absent.
    private func run(_ body: @escaping (_ thread: Int, _ threadCount: Int) -> Void) {
        if threadCount == 1 {
            body(0, 1)
            return
        }
        state.submit(body)
    }

    /// Runs `body` on contiguous ranges of `0..<count` (multiples of `granularity`) in
    /// parallel, each range once.
    ///
    /// Threads claim ranges one at a time from a shared counter rather than each taking a fixed
    /// share: when another process or the server's own threads take a core away from one
    /// worker for a moment, the others carry on with what is left instead of waiting for it at
    /// the end of the job.
    public func parallelFor(
        _ count: Int, granularity: Int = 1, _ body: @escaping (Range<Int>) -> Void
    ) {
        if count <= 0 { return }
        let units = (count + granularity - 1) / granularity
        if threadCount == 1 || units == 1 {
            body(0..<count)
            return
        }
        // About four ranges a thread: small enough to even out, large enough that claiming
        // one costs nothing next to running it.
        let perChunk = max(1, units / (threadCount * 4)) * granularity
        let chunks = (count + perChunk - 1) / perChunk
        let state = self.state
        state.nextIndex.store(0, ordering: .relaxed)
        run { _, _ in
            while true {
                let chunk = state.nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
                if chunk >= chunks { return }
                body((chunk * perChunk)..<min(count, (chunk + 1) * perChunk))
            }
        }
    }

    /// Runs `body(index, thread)` for every index of `0..<count`, each once, threads claiming
    /// indices one at a time (for work units of uneven size, such as attention rows).
    public func forEachIndex(_ count: Int, _ body: @escaping (_ index: Int, _ thread: Int) -> Void) {
        if count <= 0 { return }
        if threadCount == 1 || count == 1 {
            for index in 0..<count { body(index, 0) }
            return
        }
        let state = self.state
        state.nextIndex.store(0, ordering: .relaxed)
        run { thread, _ in
            while true {
                let index = state.nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
                if index >= count { return }
                body(index, thread)
            }
        }
    }
}

/// What the pool's threads share; owned jointly by the pool and its workers.
private final class State: @unchecked Sendable {
    let threadCount: Int
    /// The job gate, one word so that joining and closing cannot interleave badly:
    /// `generation × generationUnit + closed × closedBit + joined workers`.
    let gate = Atomic<Int>(0)
    static let generationUnit = 1 << 20
    static let closedBit = 1 << 19
    static let joinedMask = closedBit - 1
    /// Workers about to park or parked: a hint that lets `submit` skip the lock when none is.
    let sleepers = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    /// The next unclaimed piece of the current job (`parallelFor`, `forEachIndex`).
    let nextIndex = Atomic<Int>(0)
    /// Which workers are parked, each on its own semaphore (a shared one would let a worker
    /// that parks late take the wake-up meant for another).
    let parked: Mutex<[Bool]>
    let wakeUps: [DispatchSemaphore]
    /// Written by the submitter before it opens a generation, read only by workers that joined
    /// it, and cleared only after they have all left.
    var job: ((Int, Int) -> Void)?

    /// How many polls a worker spins before it sleeps (tens of microseconds).
    let spinLimit = 20_000

    init(threadCount: Int) {
        self.threadCount = threadCount
        parked = Mutex([Bool](repeating: false, count: threadCount))
        wakeUps = (0..<threadCount).map { _ in DispatchSemaphore(value: 0) }
    }

    @inline(__always)
    static func generation(_ gate: Int) -> Int { gate / generationUnit }

    func submit(_ body: @escaping (Int, Int) -> Void) {
        job = body
        // Nobody else writes the gate now: the last job is closed and its workers have left.
        let generation = Self.generation(gate.load(ordering: .relaxed)) + 1
        gate.store(generation * Self.generationUnit, ordering: .sequentiallyConsistent)
        wakeSleepers()
        body(0, threadCount)
        // Close the job to latecomers, then wait for those that joined to finish their pieces.
        var current = gate.load(ordering: .relaxed)
        while true {
            let (exchanged, original) = gate.compareExchange(
                expected: current, desired: current | Self.closedBit, ordering: .acquiringAndReleasing)
            if exchanged { break }
            current = original
        }
        var spins = 0
        while gate.load(ordering: .acquiring) & Self.joinedMask != 0 {
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
            while Self.generation(gate.load(ordering: .acquiring)) == seen && spins < spinLimit {
                spinPause()
                spins += 1
            }
            if Self.generation(gate.load(ordering: .sequentiallyConsistent)) == seen {
                // Two-flag handshake: announce first, then re-check the generation; `submit`
                // opens the generation first, then reads the announcement. One of the two sees
                // the other, so no wake-up is lost.
                sleepers.add(1, ordering: .sequentiallyConsistent)
                let parks = parked.withLock { parked in
                    guard Self.generation(gate.load(ordering: .sequentiallyConsistent)) == seen else { return false }
                    parked[index] = true
                    return true
                }
                if parks { wakeUps[index].wait() }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                // Woken, or the job came in meanwhile: either way the generation has moved on.
            }
            var current = gate.load(ordering: .acquiring)
            seen = Self.generation(current)
            if stopping.load(ordering: .acquiring) { return }
            // Join unless the submitter already closed this job (it did every piece itself).
            while Self.generation(current) == seen && current & Self.closedBit == 0 {
                let (exchanged, original) = gate.compareExchange(
                    expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
                if exchanged {
                    if let job { job(index, threadCount) }
                    gate.subtract(1, ordering: .releasing)
                    break
                }
                current = original
            }
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
        for _ in 0..<8 { _ = gate.load(ordering: .relaxed) }
    }
}
