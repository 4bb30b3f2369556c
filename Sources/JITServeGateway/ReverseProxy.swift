import Hummingbird
import JITServeCore
import JITServeHTTP
import JITServeHTTPClient
import Logging
import NIOCore

/// `jitserve route --listen`: an OpenAI-compatible reverse proxy in front of the replicas, with
/// the same picker the ext_proc server answers Envoy with.
///
/// Each request is read as the replicas read it (a bad one gets their 400 here), placed by the
/// picker, and forwarded to the pick; a replica that refuses the connection, closes it before
/// answering, or answers 503 is skipped for the next fallback (nothing has reached the client
/// yet). Once a response has started it is the client's: an SSE stream is passed through chunk
/// by chunk as the replica writes it, and one the replica cuts off ends with an OpenAI error
/// frame. A client that hangs up closes the connection to the replica, which drops the request.
public struct ReverseProxy: Sendable {
    public let picker: Picker
    public let reader: RoutingRequestReader
    /// The client to the replicas. Connections are kept alive between exchanges; a cancelled
    /// exchange closes its connection, which is how the replica learns of it.
    public let client: any StreamingHTTPClient
    public let host: String
    public let port: Int
    public let maxBodyBytes: Int
    /// Limit on one forwarded exchange, body included (nil: none).
    public let requestTimeout: Duration?
    public let counters = ProxyCounters()
    /// Phase timings of each proxied request (nil: not recorded).
    public let timings: ProxyTimings?

    /// Header naming the replica that answered (the proxy's counterpart of GAIE's
    /// `x-gateway-destination-endpoint`).
    public static let servedHeader = GAIEProtocol.servedKey

    public init(
        picker: Picker, reader: RoutingRequestReader, client: any StreamingHTTPClient, host: String = "127.0.0.1", port: Int,
        maxBodyBytes: Int = 4 << 20, requestTimeout: Duration? = nil, timings: ProxyTimings? = nil
    ) {
        self.timings = timings
        self.picker = picker
        self.reader = reader
        self.client = client
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.requestTimeout = requestTimeout
    }

    /// Serves until the task is cancelled; `onListening` gets the bound port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        // Hummingbird logs every connection cut at shutdown as an error; what a client should
        // know it gets in its response, and the operator in the counters.
        var logger = Logger(label: "jitserve.route")
        logger.logLevel = .critical
        let app = Application(
            responder: CallbackResponder<ProxyRequestContext> { request, context in
                // The whole exchange runs on the client connection's loop: the replica's
                // connection is opened on it too, so a streamed chunk is read, forwarded and
                // flushed by one thread, with no hop per token.
                let executor = EventLoopTaskExecutor(context.eventLoop)
                return await withTaskExecutorPreference(executor) { await self.respond(to: request, on: executor) }
            },
            configuration: .init(address: .hostname(host, port: port), serverName: "jitserve-route"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger)
        let serving = Task { try await app.runService(gracefulShutdownSignals: []) }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            serving.cancel()
        }
    }

    func respond(to request: Request, on executor: EventLoopTaskExecutor? = nil) async -> Response {
        let path = request.head.path ?? "/"
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        switch (request.method, route) {
        case (.get, "/health"):
            return picker.table.readyCount > 0
                ? Response(status: .ok) : Self.error(.noReplicaReady(reason: "no replica's /metrics answered"))
        case (.get, "/metrics"):
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metricsText())))
        default:
            do {
                return try await forward(request, path: path, on: executor)
            } catch let error as JITServeHTTP.HTTPError {
                return Self.error(error)
            } catch {
                return Self.error(.upstreamFailed("\(error)"))
            }
        }
    }

    /// OpenAI's error JSON with the status the HTTP module maps `error` to.
    static func error(_ error: JITServeHTTP.HTTPError) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        return Response(
            status: .init(code: error.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: error.body.serialized + "\n")))
    }

    /// The proxy's counters and each endpoint's last scrape, as Prometheus text.
    func metricsText() -> String {
        var out = ""
        for counter in counters.values {
            out += "# HELP \(counter.name) \(counter.help)\n# TYPE \(counter.name) counter\n\(counter.name) \(counter.value)\n"
        }
        let snapshots = picker.table.snapshots()
        out += "# HELP jitserve_route_endpoint_ready 1 when the endpoint's last scrape succeeded.\n"
        out += "# TYPE jitserve_route_endpoint_ready gauge\n"
        for s in snapshots { out += "jitserve_route_endpoint_ready{endpoint=\"\(s.endpoint)\"} \(s.isReady ? 1 : 0)\n" }
        out += "# HELP jitserve_route_endpoint_requests Requests running and waiting on the endpoint at its last scrape.\n"
        out += "# TYPE jitserve_route_endpoint_requests gauge\n"
        for s in snapshots {
            out += "jitserve_route_endpoint_requests{endpoint=\"\(s.endpoint)\",state=\"running\"} \(s.runningCount)\n"
            out += "jitserve_route_endpoint_requests{endpoint=\"\(s.endpoint)\",state=\"waiting\"} \(s.waitingCount)\n"
        }
        return out
    }
}
