import ArgumentParser
import Foundation
import JITServeCore
import JITServeGateway
import JITServeHTTPClient
import JITServeRouter
import JITServeSetup

/// `jitserve bench route`: what `jitserve route` adds, measured on loopback in one run.
///
/// 1. Proxy overhead: an echo-executor server (the costless executor of `serve --executor
///    echo`) is asked the same streamed request directly and through the reverse proxy, in
///    alternating order; for each pair, token k's delay since the request was sent through the
///    proxy minus the same direct: the latency the proxy adds to each token. The two requests of
///    a pair are independent (each meets the echo server's iteration at its own phase, each its
///    own stalls), so that difference's tails carry both paths' jitter. So each token position
///    k is also summarised apart on each path — p50 and p99 of token k's delay over every
///    request — and the proxied quantile minus the direct one is what a client sees change at
///    that token: printed for the median position and the worst.
/// 2. Picker decision cost: the ext_proc server over N endpoints with varied load, asked by an
///    Envoy-like client (one gRPC stream per request: headers, buffered body, answer), end to end.
struct BenchRouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Proxy overhead per token (direct vs through `jitserve route`) and ext_proc decision cost at N endpoints.",
        discussion: """
            Both parts run in this process on 127.0.0.1: an echo server, the reverse proxy in front of \
            it, and the ext_proc picker with the router of --router. Figures are percentiles over every \
            token (part 1) and every request (part 2).
            """
    )

    @Option(help: "Streamed requests per path (direct and proxied) in part 1.")
    var requests = 200
    @Option(help: "Tokens per streamed request.")
    var tokens = 64
    @Option(help: "Echo executor: modelled milliseconds per iteration (tokens are paced by it).")
    var echoIterationMs = 2.0
    @Option(help: "Proxy → replica keep-alive connections kept idle per replica (0: a fresh connection per request, as before pooling).")
    var proxyIdleConnections = 64
    @Option(help: "Endpoints behind the ext_proc picker in part 2.")
    var endpoints = 64
    @Option(help: "Requests sent to the ext_proc picker in part 2.")
    var decisions = 2000
    @Option(help: "Concurrent ext_proc streams in part 2 (1: one request at a time).")
    var concurrency = 1
    @Option(help: ArgumentHelp("Routing policy: \(RouterCatalog.names.joined(separator: ", ")).", valueName: "name"))
    var router = "jitserve"
    @OptionGroup var lengths: PredictorOptions

    func validate() throws {
        guard requests >= 1, tokens >= 2, decisions >= 1, endpoints >= 1, concurrency >= 1 else {
            throw ValidationError("--requests, --decisions, --endpoints and --concurrency must be at least 1, --tokens at least 2")
        }
        guard proxyIdleConnections >= 0 else { throw ValidationError("--proxy-idle-connections must not be negative") }
        guard echoIterationMs >= 0 else { throw ValidationError("--echo-iteration-ms must not be negative") }
        guard RouterCatalog.names.contains(router) else {
            throw ValidationError("unknown --router '\(router)'; valid: \(RouterCatalog.names.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let settings = try lengths.lengths(servedModel: "echo")
        try await proxyOverhead(settings)
        try await decisionCost(settings)
    }

    // MARK: part 1

    func proxyOverhead(_ settings: LengthEstimatorSettings) async throws {
        let server = try await HTTPBenchServer.start(
            iteration: .microseconds(Int64(echoIterationMs * 1000)), maxModelLength: 1 << 16)
        let address = EndpointAddress(host: "127.0.0.1", port: server.port)
        let table = EndpointTable([address])
        let clock = WallClock()
        // The benchmark's own client (direct and proxied requests alike), and the proxy's, as
        // `jitserve route` builds it.
        let client = NIOHTTPClient(connectTimeout: .seconds(2))
        let upstream = NIOHTTPClient(connectTimeout: .seconds(2), maxIdleConnectionsPerHost: proxyIdleConnections)
        let picker = Picker(router: try RouterBuilder(name: router, lengths: settings).makeRouter(), table: table, clock: clock)
        let reader = RoutingRequestReader(defaultSLO: .latency(ttft: .seconds(10), tbt: .seconds(1)))
        let timings = ProxyTimings()
        let proxy = ReverseProxy(picker: picker, reader: reader, client: upstream, host: "127.0.0.1", port: 0, timings: timings)
        let scraper = MetricsScraper(table: table, source: .fixed([address]), fetcher: HTTPMetricsFetcher(client: upstream), clock: clock)
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let background = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await scraper.run() }
                group.addTask { try await proxy.run { sink.yield($0) } }
                try await group.next()
            }
        }
        defer { background.cancel() }
        var portIterator = ports.makeAsyncIterator()
        guard let proxyPort = await portIterator.next() else { throw ValidationError("the proxy did not start") }
        while table.readyCount == 0 { try await Task.sleep(for: .milliseconds(10)) }

        let body = Array(
            #"{"model":"echo","prompt":"The proxy overhead benchmark.","max_tokens":\#(tokens),"ignore_eos":true,"stream":true,"slo":{"kind":"latency","ttft_ms":10000,"tbt_ms":1000}}"#.utf8)
        func stream(port: Int) async throws -> [Double] {
            let sent = ContinuousClock.now
            let response = try await client.send(
                HTTPClientRequest(method: "POST", host: "127.0.0.1", port: port, path: "/v1/completions",
                                  headers: [("content-type", "application/json")], body: body), timeout: .seconds(60))
            guard response.status == 200 else { throw ValidationError("HTTP \(response.status) from port \(port)") }
            var decoder = SSEDecoder()
            var delays: [Double] = []
            for try await chunk in response.body {
                for event in decoder.feed(chunk.bytes) where event.contains("\"text\"") && !event.contains("\"text\":\"\"") {
                    delays.append((chunk.receivedAt - sent).seconds)
                }
            }
            return delays
        }
        // Warm both paths (connections, the router's first estimate).
        for _ in 0..<5 {
            _ = try await stream(port: server.port)
            _ = try await stream(port: proxyPort)
        }
        timings.reset()
        Console.error("bench route: \(requests) streamed requests of \(tokens) tokens each way, echo iteration \(echoIterationMs) ms")
        var added: [Double] = [], directFirst: [Double] = [], proxiedFirst: [Double] = []
        var directGaps: [Double] = [], proxiedGaps: [Double] = []
        var directDelays = [[Double]](repeating: [], count: tokens), proxiedDelays = directDelays
        for i in 0..<requests {
            // Alternate which goes first, so drift on a shared machine hits both alike.
            let direct: [Double], proxied: [Double]
            if i % 2 == 0 {
                direct = try await stream(port: server.port)
                proxied = try await stream(port: proxyPort)
            } else {
                proxied = try await stream(port: proxyPort)
                direct = try await stream(port: server.port)
            }
            guard direct.count == proxied.count, let d0 = direct.first, let p0 = proxied.first else {
                throw ValidationError("token counts differ: \(direct.count) direct, \(proxied.count) proxied")
            }
            for (d, p) in zip(direct, proxied) { added.append(p - d) }
            directFirst.append(d0)
            proxiedFirst.append(p0)
            for (k, (d, p)) in zip(direct, proxied).enumerated() where k < tokens {
                directDelays[k].append(d)
                proxiedDelays[k].append(p)
            }
            directGaps += zip(direct.dropFirst(), direct).map { $0 - $1 }
            proxiedGaps += zip(proxied.dropFirst(), proxied).map { $0 - $1 }
        }
        let a = LatencySummary(added), df = LatencySummary(directFirst), pf = LatencySummary(proxiedFirst)
        let dg = LatencySummary(directGaps), pg = LatencySummary(proxiedGaps)
        // Per token position: how far the proxied path's p50 and p99 sit above the direct one's.
        let shifts = zip(directDelays, proxiedDelays).filter { !$0.0.isEmpty }.map { d, p in
            let ds = LatencySummary(d), ps = LatencySummary(p)
            return (p50: ps.p50 - ds.p50, p99: ps.p99 - ds.p99)
        }
        let p50Shifts = shifts.map(\.p50).sorted(), p99Shifts = shifts.map(\.p99).sorted()
        print("proxy overhead (\(requests) pairs × \(tokens) tokens, echo iteration \(echoIterationMs) ms)")
        print("                         direct p50   proxied p50   direct p99   proxied p99   (ms)")
        print(String(format: "first token            %11.3f %13.3f %12.3f %13.3f", df.p50 * 1e3, pf.p50 * 1e3, df.p99 * 1e3, pf.p99 * 1e3))
        print(String(format: "gap between tokens     %11.3f %13.3f %12.3f %13.3f", dg.p50 * 1e3, pg.p50 * 1e3, dg.p99 * 1e3, pg.p99 * 1e3))
        print(String(format: "added per token, each position's quantiles (proxied − direct): p50 %.3f ms (worst position %.3f), p99 %.3f ms (worst position %.3f)",
                     p50Shifts[p50Shifts.count / 2] * 1e3, p50Shifts.last! * 1e3, p99Shifts[p99Shifts.count / 2] * 1e3, p99Shifts.last! * 1e3))
        print(String(format: "added per token (proxied − direct, paired): p50 %.3f ms, p99 %.3f ms, mean %.3f ms",
                     a.p50 * 1e3, a.p99 * 1e3, a.mean * 1e3))
        print("inside the proxy (proxied requests, \(proxyIdleConnections) idle connections kept per replica)")
        print("                                   p50 (ms)   p99 (ms)   samples")
        for phase in ProxyTimings.Phase.allCases {
            let samples = timings.seconds(phase)
            guard !samples.isEmpty else { continue }
            let summary = LatencySummary(samples)
            print(phase.rawValue.padding(toLength: 32, withPad: " ", startingAt: 0)
                  + String(format: " %9.3f %10.3f %9d", summary.p50 * 1e3, summary.p99 * 1e3, samples.count))
        }
        await client.shutdown()
        await upstream.shutdown()
    }

    // MARK: part 2

    func decisionCost(_ settings: LengthEstimatorSettings) async throws {
        let pool = BenchRouterCommand.syntheticPool(endpoints, scrapedAt: .zero)
        let table = EndpointTable(try pool.map { try EndpointAddress(parsing: $0.endpoint) })
        for snapshot in pool { table.record(snapshot) }
        let picker = Picker(router: try RouterBuilder(name: router, lengths: settings).makeRouter(), table: table)
        let reader = RoutingRequestReader(defaultSLO: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80)))
        let server = ExtProcServer(picker: picker, reader: reader, host: "127.0.0.1", port: 0)
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let running = Task { try await server.run { sink.yield($0) } }
        defer { running.cancel() }
        var portIterator = ports.makeAsyncIterator()
        guard let port = await portIterator.next() else { throw ValidationError("the picker did not start") }
        let probe = ExtProcProbe(port: port)
        let requests = (0..<decisions).map(Self.request)
        _ = try await probe.send(Array(requests.prefix(50)), concurrency: concurrency)  // warm-up
        let started = ContinuousClock.now
        let answers = try await probe.send(requests, concurrency: concurrency)
        let wall = (ContinuousClock.now - started).seconds
        let routed = answers.filter { !$0.endpoints.isEmpty }.count
        let latency = LatencySummary(answers.map(\.latency.seconds))
        print("ext_proc decision cost (\(router) router, \(endpoints) endpoints, \(decisions) requests, \(concurrency) at a time)")
        print(String(format: "end to end per request: p50 %.3f ms, p99 %.3f ms, mean %.3f ms; %.0f decisions/s; %d routed, %d answered at once",
                     latency.p50 * 1e3, latency.p99 * 1e3, latency.mean * 1e3, Double(answers.count) / wall, routed,
                     answers.count - routed))
    }

    /// Streams, deadline requests and workflow calls in turn, as a gateway would forward them.
    static func request(_ i: Int) -> ExtProcProbe.Request {
        let tier = 1 + i % 4
        let slo: String
        switch i % 3 {
        case 0: slo = #"{"kind":"latency","ttft_ms":\#(800 * tier),"tbt_ms":\#(80 * tier)}"#
        case 1: slo = #"{"kind":"deadline","deadline_ms":\#(8000 * tier)}"#
        default: slo = #"{"kind":"compound","workflow_id":"wf-\#(i / 24)","stage":\#((i / 3) % 8),"deadline_ms":120000}"#
        }
        let prompt = String(repeating: "word ", count: 40 + (i * 7919) % 600)
        let body = #"{"model":"m","messages":[{"role":"user","content":"\#(prompt)"}],"max_tokens":1024,"slo":\#(slo)}"#
        return ExtProcProbe.Request(body: Array(body.utf8))
    }
}
