import NIOCore

/// Runs a task's jobs on one NIO event loop, so that code awaiting a channel's events and
/// writing to a channel on that loop does both on its thread: a forwarded chunk then goes from
/// the replica's socket to the client's without waking another thread.
///
/// The swift-nio in the mirror offers event loops as serial executors only (for actors); this
/// is the task-executor counterpart, used with `withTaskExecutorPreference`.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
