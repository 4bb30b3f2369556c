import ArgumentParser
import Dispatch
import Foundation
import JITServeCore
import JITServeGateway
import JITServeHTTP
import JITServeHTTPClient
import JITServeRouter
import JITServeSetup

/// `jitserve route`: the router in front of many replicas (DESIGN §10), as Envoy's ext_proc
/// endpoint picker (GAIE's EPP) and/or a plain HTTP reverse proxy.
struct RouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Route requests across replicas: an Envoy ext_proc endpoint picker and/or an HTTP reverse proxy.",
        discussion: """
            The endpoints are the replicas' ip:port (jitserve serve, or any server publishing vLLM's \
            vllm:num_requests_waiting, vllm:num_requests_running and vllm:kv_cache_usage_perc on \
            /metrics). Each is scraped every --scrape-interval-ms; a replica whose scrape fails is not \
            picked until one succeeds. The router decides from those figures alone, with the policy \
            `simulate --router` runs.
            --ext-proc PORT serves envoy.service.ext_proc.v3.ExternalProcessor and gRPC health \
            (liveness, readiness) for a Gateway API Inference Extension gateway: configure the \
            gateway's ext_proc filter with request_body_mode BUFFERED. The answer is the header \
            x-gateway-destination-endpoint (pick and fallbacks) and the same list in dynamic \
            metadata envoy.lb; 429 sheds, 503 when no endpoint is ready.
            --listen HOST:PORT serves the same picker as an OpenAI-compatible reverse proxy: SSE \
            streams through unbuffered, a client that hangs up cancels its request on the replica, \
            a request no replica started is retried on the next fallback.
            """
    )

    @Option(help: "Serve the ext_proc endpoint picker (gRPC) on this port.")
    var extProc: Int?
    @Option(help: "Address the ext_proc server binds (0.0.0.0 in a cluster).")
    var host = "127.0.0.1"
    @Option(help: ArgumentHelp("Serve a reverse proxy on HOST:PORT.", valueName: "host:port"))
    var listen: String?
    @Option(help: ArgumentHelp("Replicas as ip:port, comma-separated.", valueName: "list"))
    var endpoints: String?
    @Option(help: "A file of replicas (ip:port per line or comma-separated, # comments), re-read every second.")
    var endpointsFile: String?
    @Option(help: ArgumentHelp(
        "A DNS name and port whose A records are the replicas (a Kubernetes headless Service), re-resolved every second.",
        valueName: "host:port"))
    var endpointsDns: String?
    @Option(help: ArgumentHelp("A replica's URL, http://host:port (repeatable).", valueName: "url"))
    var backend: [String] = []
    @Option(help: ArgumentHelp("Routing policy: \(RouterCatalog.names.joined(separator: ", ")).", valueName: "name"))
    var router = "jitserve"
    @OptionGroup var lengths: PredictorOptions
    @Option(help: "Served model name the length estimator's calibration is kept under.")
    var servedModel = "default"
    @Option(help: "Milliseconds between scrapes of each replica's /metrics.")
    var scrapeIntervalMs = 50.0
    @Option(help: "Milliseconds a scrape may take before the replica counts as not ready.")
    var scrapeTimeoutMs = 1000.0
    @Option(help: "Endpoints an answer names at most: the pick and its fallbacks.")
    var maxEndpoints = 3
    @Option(help: "SLO of requests that carry none (give the replicas' --default-slo): latency:ttft_ms=N,tbt_ms=N or deadline:deadline_ms=N.")
    var defaultSlo = "latency:ttft_ms=800,tbt_ms=80"
    @Option(help: "Output tokens assumed for a request without max_tokens.")
    var defaultMaxTokens = 1024
    @Option(help: "Largest request body, bytes (413 above).")
    var maxBodyBytes = 4 << 20
    @Option(help: "Proxy: seconds a forwarded exchange may take, body included (0: no limit).")
    var requestTimeout = 0.0

    func validate() throws {
        guard extProc != nil || listen != nil else { throw ValidationError("give --ext-proc PORT, --listen HOST:PORT, or both") }
        if let extProc, !(0...65535).contains(extProc) { throw ValidationError("--ext-proc must be a port in 0...65535, got \(extProc)") }
        if let listen { _ = try Self.listenAddress(listen) }
        let sources = [endpoints != nil, endpointsFile != nil, endpointsDns != nil, !backend.isEmpty].count(where: { $0 })
        guard sources == 1 else {
            throw ValidationError("give the replicas once: --endpoints, --endpoints-file, --endpoints-dns or --backend")
        }
        guard RouterCatalog.names.contains(router) else {
            throw ValidationError("unknown --router '\(router)'; valid: \(RouterCatalog.names.joined(separator: ", "))")
        }
        guard scrapeIntervalMs >= 1, scrapeIntervalMs <= 60_000 else { throw ValidationError("--scrape-interval-ms must be in 1...60000") }
        guard scrapeTimeoutMs >= 1 else { throw ValidationError("--scrape-timeout-ms must be at least 1") }
        guard maxEndpoints >= 1 else { throw ValidationError("--max-endpoints must be at least 1") }
        guard defaultMaxTokens >= 1 else { throw ValidationError("--default-max-tokens must be at least 1") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard requestTimeout >= 0 else { throw ValidationError("--request-timeout must not be negative") }
        do {
            _ = try SLOSpec.parseDefault(defaultSlo)
            _ = try source()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Where the endpoints come from.
    func source() throws -> EndpointSource {
        if let endpoints { return .fixed(try EndpointAddress.parseList(endpoints)) }
        if let endpointsFile { return .file(path: endpointsFile) }
        if let endpointsDns {
            let address = try EndpointAddress(parsing: endpointsDns)
            return .dns(host: address.host, port: address.port)
        }
        return .fixed(try backend.map { try EndpointAddress(parsing: $0) })
    }

    static func listenAddress(_ text: String) throws -> EndpointAddress {
        do {
            return try EndpointAddress(parsing: text)
        } catch {
            throw ValidationError("--listen: \(error)")
        }
    }

    func run() async throws {
        let source = try source()
        let addresses = try source.load()
        let table = EndpointTable(addresses)
        let clock = WallClock()
        let builder = try RouterBuilder(name: router, lengths: try lengths.lengths(servedModel: servedModel))
        let picker = Picker(router: builder.makeRouter(), table: table, maxEndpoints: maxEndpoints, clock: clock)
        let reader = RoutingRequestReader(defaultSLO: try SLOSpec.parseDefault(defaultSlo), defaultMaxTokens: defaultMaxTokens)
        let client = NIOHTTPClient(connectTimeout: .seconds(2))
        let scraper = MetricsScraper(
            table: table, source: source, fetcher: HTTPMetricsFetcher(client: client),
            interval: .milliseconds(Int64(scrapeIntervalMs.rounded())), timeout: .milliseconds(Int64(scrapeTimeoutMs.rounded())),
            clock: clock, log: { Console.error("route: \($0)") })
        Console.error("route: \(router) router over \(addresses.count) endpoints: \(addresses.map(\.description).joined(separator: ", "))")
        let proxy = try listen.map { text in
            let address = try Self.listenAddress(text)
            return ReverseProxy(
                picker: picker, reader: reader, client: client, host: address.host, port: address.port,
                maxBodyBytes: maxBodyBytes, requestTimeout: requestTimeout > 0 ? .milliseconds(Int64(requestTimeout * 1000)) : nil)
        }
        let extProcServer = extProc.map { ExtProcServer(picker: picker, reader: reader, host: host, port: $0, maxBodyBytes: maxBodyBytes) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await scraper.run() }
            if let extProcServer {
                group.addTask {
                    try await extProcServer.run { Console.error("route: ext_proc endpoint picker on \(extProcServer.host):\($0)") }
                }
            }
            if let proxy {
                group.addTask {
                    try await proxy.run { Console.error("route: reverse proxy on http://\(proxy.host):\($0)") }
                }
            }
            group.addTask {
                await Self.waitForSignal()
                throw CancellationError()
            }
            do {
                try await group.next()
            } catch is CancellationError {
                Console.error("route: shutting down")
            }
            group.cancelAll()
        }
        if let proxy {
            let summary = proxy.counters.values.map { "\($0.name.replacingOccurrences(of: "jitserve_route_", with: "")) \($0.value)" }
            Console.error("route: " + summary.joined(separator: ", "))
        }
        let counts = picker.counts
        Console.error("route: picker decisions: routed \(counts.routed), shed \(counts.shed), none ready \(counts.noneReady)")
        await client.shutdown()
    }

    /// Returns on SIGINT or SIGTERM.
    static func waitForSignal() async {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { continuation.yield(()) }
            source.resume()
            sources.append(source)
        }
        for await _ in stream { break }
        for source in sources { source.cancel() }
    }
}
