import Foundation
import JITServeCore
import JITServeEngine
import JITServeHTTP
import JITServeSetup
import Synchronization

/// `jitserve serve`'s server run inside a benchmark's process on a free loopback port: with the
/// echo executor (`bench http`, keeping every retired request's record) or with the backend
/// `serve` builds (`bench serve-cpu`).
final class HTTPBenchServer: Sendable {
    let server: OpenAIServer
    let engine: LiveEngine
    let records: RecordStore
    let port: Int
    private let finished: Task<Void, any Error>
    private let stopTrigger: AsyncStream<Void>.Continuation

    /// Records by request ID (the benchmark matches them to what its clients received).
    final class RecordStore: Sendable {
        private let byID = Mutex<[RequestID: RequestRecord]>([:])
        private let cancelled = Atomic<Int>(0)
        /// False when only counts are wanted (the memory phase must not measure its own records).
        let keepsRecords: Bool

        init(keepsRecords: Bool) { self.keepsRecords = keepsRecords }

        func add(_ record: RequestRecord) {
            if record.timeline.finishReason == .cancelled { cancelled.add(1, ordering: .relaxed) }
            if keepsRecords { byID.withLock { $0[record.request.id] = record } }
        }

        func record(_ id: RequestID) -> RequestRecord? { byID.withLock { $0[id] } }
        var cancelledCount: Int { cancelled.load(ordering: .relaxed) }
    }

    private init(server: OpenAIServer, engine: LiveEngine, records: RecordStore, port: Int,
                 finished: Task<Void, any Error>, stopTrigger: AsyncStream<Void>.Continuation) {
        self.server = server
        self.engine = engine
        self.records = records
        self.port = port
        self.finished = finished
        self.stopTrigger = stopTrigger
    }

    /// Starts a server whose echo executor models `iteration` per iteration (zero: no cost).
    static func start(iteration: Duration, maxModelLength: Int, keepsRecords: Bool = true) async throws -> HTTPBenchServer {
        let records = RecordStore(keepsRecords: keepsRecords)
        // No admission control (the engine configuration sets none): every request is served.
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, servedModelName: "echo")
        return try await start(configuration: configuration, records: records) { server in
            let metrics = server.metrics
            let executor = EchoExecutor(maxModelLength: maxModelLength, kvBlockCapacity: 16_384, iterationTime: iteration)
            // FCFS, told nothing: the benchmark measures the server, not a policy.
            let core = try EngineBuilder(
                policy: "vllm", lengths: LengthEstimatorSettings(forest: nil, servedModel: "echo", calibration: nil), configuration: EngineConfiguration(rejectsOutputBeyondContext: true))
                .makeEngine(executor: executor, textCodec: ByteCodec())
            let engine = LiveEngine(core: core, onRetire: { record in
                metrics.observe(record)
                records.add(record)
            })
            return ServingBackend(engine: engine, executorName: "echo", textNote: "benchmark")
        }
    }

    /// Starts a server with `configuration` (its port is replaced by a free one) in this
    /// process, serving the backend `makeBackend` builds for it.
    static func start(
        configuration: ServerConfiguration, records: RecordStore = RecordStore(keepsRecords: false),
        makeBackend: (OpenAIServer) throws -> ServingBackend
    ) async throws -> HTTPBenchServer {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let server = OpenAIServer(configuration: configuration)
        let backend = try makeBackend(server)
        server.install(backend)
        let (stopped, trigger) = AsyncStream<Void>.makeStream()
        let finished = Task {
            try await server.run(handleSignals: false) {
                var iterator = stopped.makeAsyncIterator()
                _ = await iterator.next()
            }
        }
        while server.boundPort == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        return HTTPBenchServer(
            server: server, engine: backend.engine, records: records, port: server.boundPort, finished: finished,
            stopTrigger: trigger)
    }

    /// Waits until the engine holds no request (cut streams are cancelled asynchronously).
    func waitIdle() async throws {
        for _ in 0..<1000 {
            let status = engine.status
            if status.activeRequestCount == 0 && status.stats.runningCount == 0 && status.stats.waitingCount == 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func stop() async {
        stopTrigger.yield(())
        _ = try? await finished.value
    }
}
