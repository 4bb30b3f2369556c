#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LiveEngine {
    /// A mutex with a condition variable, and the engine's own thread.
    ///
    /// POSIX threads rather than the Swift concurrency pool: a CPU forward pass blocks its thread
    /// for tens of milliseconds, and on a 2-core machine parking a pool thread that long would
    /// starve the HTTP server's tasks.
    final class Signal: @unchecked Sendable {
        private let mutex: UnsafeMutablePointer<pthread_mutex_t>
        private let condition: UnsafeMutablePointer<pthread_cond_t>

        init() {
            mutex = .allocate(capacity: 1)
            condition = .allocate(capacity: 1)
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(condition, nil)
        }

        deinit {
            pthread_cond_destroy(condition)
            pthread_mutex_destroy(mutex)
            condition.deallocate()
            mutex.deallocate()
        }

        func withLock<T>(_ body: () throws -> T) rethrows -> T {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body()
        }

        func lock() { pthread_mutex_lock(mutex) }
        func unlock() { pthread_mutex_unlock(mutex) }

        /// Waits for `broadcast` (or a spurious wake-up). The caller holds the lock.
        func wait() { pthread_cond_wait(condition, mutex) }

        /// Waits at most `seconds` for `broadcast`. The caller holds the lock.
        func wait(seconds: Double) {
            guard seconds > 0 else { return }
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let whole = Int(seconds)
            var nanos = Int(now.tv_nsec) + Int((seconds - Double(whole)) * 1e9)
            var secs = Int(now.tv_sec) + whole
            if nanos >= 1_000_000_000 {
                secs += 1
                nanos -= 1_000_000_000
            }
            var until = timespec()
            until.tv_sec = .init(secs)
            until.tv_nsec = .init(nanos)
            pthread_cond_timedwait(condition, mutex, &until)
        }

        func broadcast() { pthread_cond_broadcast(condition) }

        /// Runs `body` on a new detached POSIX thread.
        static func startThread(_ body: @escaping () -> Void) {
            final class Box {
                let body: () -> Void
                init(_ body: @escaping () -> Void) { self.body = body }
            }
            let context = Unmanaged.passRetained(Box(body)).toOpaque()
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
            defer { pthread_attr_destroy(&attributes) }
            #if canImport(Glibc)
            var thread = pthread_t()
            let status = pthread_create(&thread, &attributes, { raw in
                Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, context)
            #else
            var thread: pthread_t?
            let status = pthread_create(&thread, &attributes, { raw in
                Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
                return nil
            }, context)
            #endif
            precondition(status == 0, "pthread_create failed with status \(status)")
        }
    }
}
