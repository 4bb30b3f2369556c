import JITServeSimulation
import Synchronization

/// Thread-safe slots for results filled by worker threads.
final class ResultBox: Sendable {
    private let slots: Mutex<[Result<SimulationSummary, any Error>?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ i: Int, _ value: Result<SimulationSummary, any Error>) {
        slots.withLock { $0[i] = value }
    }

    func values() -> [Result<SimulationSummary, any Error>] {
        slots.withLock { $0.map { $0! } }
    }

    /// Hands out job indices to worker threads.
    final class Counter: Sendable {
        private let next = Mutex(0)
        func take(below limit: Int) -> Int? {
            next.withLock { next in
                guard next < limit else { return nil }
                next += 1
                return next - 1
            }
        }
    }
}
