import Dispatch
import JITServeCore
import Synchronization

/// The engine as a server runs it: one `EngineCore` driven under the wall clock on a dedicated
/// thread, with a stream of events per request.
///
/// Everything that touches the core — adding, cancelling, stepping — happens on the engine
/// thread; other threads only leave work in an inbox behind a `Mutex` and wake the thread through
/// a semaphore it parks on while there is nothing to do. A simulated executor returns modelled
/// time at once, so the loop waits until the iteration's modelled end before delivering its
/// tokens: under the wall clock a simulated GPU takes as long as the real one would.
public final class LiveEngine: @unchecked Sendable {
    /// What a request's stream carries.
    public enum Event: Sendable {
        /// One output token and the text it settles (see `DeliveredToken`).
        case token(DeliveredToken)
        /// The request is done; its record carries the finish reason, token counts and timeline.
        /// Always the last event of a stream that ends without an error.
        case finished(RequestRecord)
        /// A compound call was admitted with this estimate of its workflow from the analyzer
        /// (its stage's sub-deadline, what remains). Comes before any token.
        case workflowEstimate(WorkflowEstimate)
    }

    public typealias Events = AsyncThrowingStream<Event, any Error>

    /// Engine figures the server reads without touching the core.
    public struct Status: Sendable {
        public var stats: EngineStats
        /// Running average of iteration time, seconds.
        public var recentIterationSeconds: Double
        /// Requests submitted and not yet finished (their streams are still open).
        public var activeRequestCount: Int
        /// True once `shutdown` has begun.
        public var isShuttingDown: Bool
        /// What routers read beyond vLLM's gauges (`jitserve:*` on `/metrics`).
        public var load = EngineLoad()

        public init(stats: EngineStats, recentIterationSeconds: Double, activeRequestCount: Int, isShuttingDown: Bool) {
            self.stats = stats
            self.recentIterationSeconds = recentIterationSeconds
            self.activeRequestCount = activeRequestCount
            self.isShuttingDown = isShuttingDown
        }
    }

    /// A request waiting in the inbox.
    struct Submission {
        var request: Request
        var options: SubmissionOptions
        var continuation: Events.Continuation
    }

    /// What a client's workflow did that the engine did not see happen.
    enum WorkflowNotice {
        /// Its last call was refused before the engine saw it (`markWorkflowFinal`).
        case final(WorkflowID)
        /// One of its calls was refused (`noteLostCall`).
        case lostCall(Request, endsWorkflow: Bool)
    }

    /// Work handed to the engine thread, and the figures it publishes.
    struct Inbox {
        var adds: [Submission] = []
        var cancels: [RequestID] = []
        var workflowNotices: [WorkflowNotice] = []
        /// A wake-up is pending on `wakeUp` (so a burst of submits signals it once).
        var isWakeUpPending = false
        var isDraining = false
        var isStopping = false
        var hasStopped = false
        var activeCount = 0
        var status: Status
    }

    public let configuration: EngineConfiguration
    /// What every request is checked against (the core's own limits).
    public let limits: RequestLimits
    /// How the core's policy was put together (scheduler, predictors).
    public let wiring: EngineWiring
    /// The core's text codec: what its requests' prompts must be encoded with.
    public let textCodec: (any TextCodec)?
    public let clock: WallClock

    let inbox: Mutex<Inbox>
    /// The engine thread parks here while it has nothing to do.
    let wakeUp = DispatchSemaphore(value: 0)
    private let nextID = Atomic<UInt64>(1)

    // Engine-thread state: touched only by `runLoop`.
    let core: EngineCore
    var streams: [RequestID: Events.Continuation] = [:]
    let onRetire: (@Sendable (RequestRecord) -> Void)?
    let onWorkflowEnd: (@Sendable (WorkflowID) -> Void)?
    /// When idle workflows were last looked for (engine thread).
    var lastExpirySweepAt = Instant.zero
    /// The last iteration, when the loop had to wait for its modelled time (engine thread).
    var pacedIteration: (endedAt: Instant, elapsed: Duration)?
    /// The latest arrival among requests admitted (engine thread).
    var latestArrivalAt = Instant.zero

    /// Starts the engine thread.
    ///
    /// - Parameters:
    ///   - core: The engine to drive; from now on only the engine thread touches it.
    ///   - clock: The wall clock whose instants stamp every request and token.
    ///   - onRetire: Called on the engine thread with the record of every request that leaves
    ///     the core — finished, cancelled or ended by shutdown (metrics, goodput accounting).
    ///   - onWorkflowEnd: Called on the engine thread with each workflow the engine has ended
    ///     and forgotten (its final call done, or idle past its deadline): a server forgets its
    ///     name.
    public init(
        core: EngineCore, clock: WallClock = WallClock(), onRetire: (@Sendable (RequestRecord) -> Void)? = nil,
        onWorkflowEnd: (@Sendable (WorkflowID) -> Void)? = nil
    ) {
        self.core = core
        self.clock = clock
        self.onRetire = onRetire
        self.onWorkflowEnd = onWorkflowEnd
        configuration = core.configuration
        limits = core.limits
        wiring = core.wiring
        textCodec = core.textCodec
        inbox = Mutex(Inbox(status: Status(
            stats: core.stats, recentIterationSeconds: core.recentIterationSeconds,
            activeRequestCount: 0, isShuttingDown: false)))
        Self.startThread { [self] in runLoop() }
    }

    /// Longest sequence (prompt + output) the executor's model accepts.
    public var maxModelLength: Int { limits.maxModelLength }

    /// The current instant on the engine's clock (stamp `Request.arrivedAt` with it).
    public func now() -> Instant { clock.now() }

    /// A fresh request ID, unique within this engine.
    public func makeRequestID() -> RequestID {
        RequestID(nextID.wrappingAdd(1, ordering: .relaxed).oldValue)
    }

    /// The latest published figures.
    public var status: Status { inbox.withLock { $0.status } }

    /// Admits `request` and returns its events: tokens as they are produced, then `.finished`
    /// (a compound call's stream starts with `.workflowEstimate`). `options` carries what the
    /// client said beyond the request (a workflow's last call, a replayed length).
    ///
    /// The stream ends with an error when the engine cannot serve the request after all
    /// (an executor failure) or shuts down before it finishes. Dropping the stream's consumer
    /// (task cancellation, a client gone) cancels the request and frees its KV at once.
    /// - Throws: `EngineError` for a request the engine can never serve (empty prompt, prompt
    ///   longer than the context or the KV cache) and `.shuttingDown` after `shutdown` began.
    public func submit(_ request: Request, options: SubmissionOptions = .init()) throws(EngineError) -> Events {
        try limits.validate(request)
        let (stream, continuation) = Events.makeStream()
        let id = request.id
        continuation.onTermination = { [weak self] termination in
            if case .cancelled = termination { self?.cancel(id) }
        }
        let accepted = inbox.withLock { inbox in
            guard !inbox.isDraining else { return false }
            inbox.adds.append(Submission(request: request, options: options, continuation: continuation))
            inbox.activeCount += 1
            inbox.status.activeRequestCount = inbox.activeCount
            return true
        }
        guard accepted else {
            continuation.onTermination = nil
            continuation.finish(throwing: EngineError.shuttingDown)
            throw .shuttingDown
        }
        wake()
        return stream
    }

    /// Ends a request early (its client went away): its KV is freed on the engine thread's next
    /// pass, without waiting for the current iteration's successor. Unknown or finished IDs are
    /// ignored.
    public func cancel(_ id: RequestID) {
        inbox.withLock { $0.cancels.append(id) }
        wake()
    }

    /// The client marked `id`'s last call, but that call never reached the engine (it was shed
    /// or refused): the workflow ends once its calls still held have finished.
    public func markWorkflowFinal(_ id: WorkflowID) {
        inbox.withLock { $0.workflowNotices.append(.final(id)) }
        wake()
    }

    /// `request`, a call of a workflow, was refused (admission control's 429, the engine's
    /// limits) and will not run, so that workflow must not teach the analyzer
    /// (`EngineCore.noteLostCall`); with `endsWorkflow` it was the client's last call. Other
    /// requests are ignored.
    public func noteLostCall(_ request: Request, endsWorkflow: Bool) {
        guard request.slo.workflowID != nil else { return }
        inbox.withLock { $0.workflowNotices.append(.lostCall(request, endsWorkflow: endsWorkflow)) }
        wake()
    }

    /// Wakes the engine thread if it is (or is about to be) parked.
    func wake() {
        let signals = inbox.withLock { inbox in
            defer { inbox.isWakeUpPending = true }
            return !inbox.isWakeUpPending
        }
        if signals { wakeUp.signal() }
    }

    /// Stops taking requests, lets those in flight finish for up to `grace`, then ends the rest
    /// (their streams fail with `EngineError.shuttingDown`) and stops the engine thread.
    public func shutdown(grace: Duration) async {
        inbox.withLock { inbox in
            inbox.isDraining = true
            inbox.status.isShuttingDown = true
        }
        let deadline = ContinuousClock.now + grace
        while inbox.withLock({ $0.activeCount }) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        inbox.withLock { $0.isStopping = true }
        wake()
        while !inbox.withLock({ $0.hasStopped }) {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }
}
