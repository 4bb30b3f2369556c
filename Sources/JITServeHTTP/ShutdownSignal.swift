#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// SIGTERM and SIGINT, turned into an awaitable event.
///
/// The C handler only sets an atomic flag (async-signal-safe); a task polls it. The server then
/// runs its own graceful shutdown rather than Hummingbird's (see `OpenAIServer.run`).
final class ShutdownSignal: Sendable {
    private static let received = Atomic<Int32>(0)
    private let watching = Atomic<Bool>(true)

    static func install() -> ShutdownSignal {
        signal(SIGTERM) { number in ShutdownSignal.received.store(number, ordering: .relaxed) }
        signal(SIGINT) { number in ShutdownSignal.received.store(number, ordering: .relaxed) }
        return ShutdownSignal()
    }

    /// Returns when a signal arrived, or when the waiting task is cancelled.
    func wait() async {
        while watching.load(ordering: .relaxed), Self.received.load(ordering: .relaxed) == 0, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Restores default handling: a second Ctrl-C during the drain ends the process at once.
    func stopWatching() {
        watching.store(false, ordering: .relaxed)
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
    }
}
