import Hummingbird
import JITServeCore
import JITServeEngine
import Logging
import ServiceLifecycle
import Synchronization

/// `jitserve serve`: the OpenAI-compatible HTTP server in front of one live engine.
///
/// The server listens before the model is loaded (`/health` answers 503 until `install`), and
/// on SIGTERM/SIGINT stops admitting requests, lets in-flight streams finish within the grace
/// period, ends the rest with an error frame, and then closes.
public final class OpenAIServer: Sendable {
    public let configuration: ServerConfiguration
    public let metrics: ServerMetrics
    public let workflows = WorkflowRegistry()
    /// Client-given application labels, bounded.
    public let applications = ApplicationLabels()
    let logger: Logger
    private let backendSlot = Mutex<ServingBackend?>(nil)
    private let draining = Atomic<Bool>(false)
    private let port = Atomic<Int>(0)
    /// Unix time the server started (`created` in `/v1/models`).
    let startedAtUnix: Int

    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "jitserve.http")) {
        self.configuration = configuration
        self.logger = logger
        metrics = ServerMetrics(modelName: configuration.servedModelName)
        startedAtUnix = UnixTime.now()
    }

    /// Makes `backend` live: generation endpoints and `/health` start answering.
    public func install(_ backend: ServingBackend) {
        backendSlot.withLock { $0 = backend }
    }

    /// The port the server is bound to, once it is listening (0 before).
    public var boundPort: Int { port.load(ordering: .acquiring) }

    var backend: ServingBackend? { backendSlot.withLock { $0 } }

    /// The backend for a generation request, or why there is none.
    func requireBackend() throws(HTTPError) -> ServingBackend {
        if draining.load(ordering: .relaxed) { throw .shuttingDown }
        guard let backend else { throw .notReady }
        return backend
    }

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Runs the server until `stop` fires (or SIGTERM/SIGINT when `handleSignals`), then shuts
    /// down gracefully. Returns when the listener is closed.
    public func run(handleSignals: Bool = true, stop: (@Sendable () async -> Void)? = nil) async throws {
        let router = makeRouter()
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "jitserve"),
            onServerRunning: { [self] channel in
                port.store(channel.localAddress?.port ?? 0, ordering: .releasing)
            },
            logger: logger
        )
        // The server runs in its own task so that shutdown can drain the engine first and only
        // then close the listener: Hummingbird's own graceful shutdown would wait for every open
        // stream before anything told the engine to end them.
        // Whichever comes first ends the wait: a signal, the caller's stop, or the server
        // stopping on its own (e.g. the port is taken; its error is rethrown below).
        let (ended, trigger) = AsyncStream<Void>.makeStream()
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let serverTask = Task {
            defer { trigger.yield(()) }
            try await group.run()
        }
        let watcher = handleSignals ? ShutdownSignal.install() : nil
        let watcherTask = Task {
            guard let watcher else { return }
            await watcher.wait()
            trigger.yield(())
        }
        let stopTask = Task {
            guard let stop else { return }
            await stop()
            trigger.yield(())
        }
        var iterator = ended.makeAsyncIterator()
        _ = await iterator.next()
        watcherTask.cancel()
        stopTask.cancel()
        watcher?.stopWatching()
        await shutdown()
        // Hummingbird's graceful shutdown closes the listener and the idle connections and lets
        // each open one finish its response, which the drain has just ended. (Cancelling the
        // server instead works too, but logs errors on every clean stop.) A client that holds a
        // connection open without finishing its request would keep that waiting: cut after a
        // moment.
        await group.triggerGracefulShutdown()
        let deadline = Task {
            try await Task.sleep(for: .seconds(2))
            serverTask.cancel()
        }
        defer { deadline.cancel() }
        _ = try await serverTask.value
    }

    /// Stops admitting requests and drains the engine within the grace period.
    public func shutdown() async {
        guard !draining.exchange(true, ordering: .acquiringAndReleasing) else { return }
        logger.info("shutting down: draining in-flight requests for up to \(configuration.shutdownGrace)")
        if let backend { await backend.engine.shutdown(grace: configuration.shutdownGrace) }
        // Let the handlers write their last frames before the listener and connections close.
        try? await Task.sleep(for: .milliseconds(100))
    }
}
