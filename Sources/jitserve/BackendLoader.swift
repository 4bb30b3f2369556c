import Foundation
import JITServeHTTP

/// Builds the backend on its own thread (loading a model blocks for seconds; the server's tasks
/// must not wait behind it) and hands the outcome to whoever awaits it.
final class BackendLoader: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: Result<ServingBackend, any Error>?
    private var waiters: [CheckedContinuation<Result<ServingBackend, any Error>, Never>] = []

    static func start(_ build: @escaping @Sendable () throws -> ServingBackend) -> BackendLoader {
        let loader = BackendLoader()
        let thread = Thread {
            let result = Result { try build() }
            let waiting = loader.lock.withLock {
                loader.outcome = result
                defer { loader.waiters = [] }
                return loader.waiters
            }
            for waiter in waiting { waiter.resume(returning: result) }
        }
        thread.start()
        return loader
    }

    func result() async -> Result<ServingBackend, any Error> {
        await withCheckedContinuation { continuation in
            let ready: Result<ServingBackend, any Error>? = lock.withLock {
                if let outcome { return outcome }
                waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
