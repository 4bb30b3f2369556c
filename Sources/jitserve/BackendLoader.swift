import Foundation
import JITServeHTTP
import Synchronization

/// Builds the backend on its own thread (loading a model blocks for seconds; the server's tasks
/// must not wait behind it) and hands the outcome to whoever awaits it.
final class BackendLoader: Sendable {
    private struct State {
        var outcome: Result<ServingBackend, any Error>?
        var waiters: [CheckedContinuation<Result<ServingBackend, any Error>, Never>] = []
    }

    private let state = Mutex(State())

    static func start(_ build: @escaping @Sendable () throws -> ServingBackend) -> BackendLoader {
        let loader = BackendLoader()
        let thread = Thread {
            let result = Result { try build() }
            let waiting = loader.state.withLock { state in
                state.outcome = result
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiting { waiter.resume(returning: result) }
        }
        thread.start()
        return loader
    }

    func result() async -> Result<ServingBackend, any Error> {
        await withCheckedContinuation { continuation in
            let ready: Result<ServingBackend, any Error>? = state.withLock { state in
                if let outcome = state.outcome { return outcome }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
