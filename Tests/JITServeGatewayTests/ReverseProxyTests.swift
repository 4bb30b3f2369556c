import Hummingbird
import JITServeCore
import JITServeHTTPClient
import JITServeRouter
import Synchronization
import Testing

@testable import JITServeGateway

/// The reverse proxy on loopback in front of a small Hummingbird replica stand-in; the full
/// loopback test against real `jitserve serve` replicas is scripts/route_e2e.sh.
@Suite struct ReverseProxyTests {
    /// A count shared with a replica stand-in's handlers.
    final class Tally: Sendable {
        let count = Atomic(0)
    }

    /// A replica stand-in: streams `tokens` SSE chunks, or cuts the connection after 3 when
    /// the body asks for "cut", or streams a chunk every 20 ms until its client goes away when
    /// it asks for "forever" (then `abandoned` counts it); publishes vLLM's gauges.
    static func startReplica(abandoned: Tally? = nil) async throws -> (port: Int, task: Task<Void, any Error>) {
        let router = Router()
        router.get("/metrics") { _, _ in
            "vllm:num_requests_waiting 0\nvllm:num_requests_running 0\nvllm:kv_cache_usage_perc 0.1\n"
        }
        router.post("/v1/chat/completions") { request, _ in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
            let cut = body.contains("cut")
            if body.contains("forever") {
                return Response(
                    status: .ok, headers: [.contentType: "text/event-stream"],
                    body: ResponseBody { writer in
                        do {
                            while true {
                                try await writer.write(ByteBuffer(string: "data: {\"choices\":[{\"delta\":{\"content\":\"t\"}}]}\n\n"))
                                try await Task.sleep(for: .milliseconds(20))
                            }
                        } catch {
                            abandoned?.count.add(1, ordering: .relaxed)
                            throw error
                        }
                    })
            }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: ResponseBody { writer in
                    for i in 0..<5 {
                        if cut, i == 3 { throw CancellationError() }
                        try await writer.write(ByteBuffer(string: "data: {\"choices\":[{\"delta\":{\"content\":\"t\(i)\"}}]}\n\n"))
                    }
                    try await writer.write(ByteBuffer(string: "data: {\"usage\":{\"completion_tokens\": 5}}\n\ndata: [DONE]\n\n"))
                    try await writer.finish(nil)
                })
        }
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { sink.yield($0.localAddress?.port ?? 0) })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        return (try #require(await iterator.next()), task)
    }

    /// A proxy over `endpoints` (all marked ready, the first least loaded so it is picked first).
    func withProxy(
        _ endpoints: [String], ready: Bool = true, _ body: (ReverseProxy, Int, NIOHTTPClient) async throws -> Void
    ) async throws {
        let table = EndpointTable(try endpoints.map { try EndpointAddress(parsing: $0) })
        for (i, name) in endpoints.enumerated() {
            table.record(ReplicaSnapshot(
                endpoint: name, scrapedAt: Instant(seconds: 0), isReady: ready, waitingCount: i * 4, runningCount: 0,
                kvCacheUsage: 0.1))
        }
        let client = NIOHTTPClient()
        let proxy = ReverseProxy(
            picker: try GatewayFixture.picker(table: table), reader: GatewayFixture.reader, client: client, port: 0)
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let running = Task { try await proxy.run { sink.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await body(proxy, port, client)
        running.cancel()
        await client.shutdown()
    }

    func post(_ client: NIOHTTPClient, port: Int, _ body: String) async throws -> (StreamingHTTPResponse, String) {
        let response = try await client.send(HTTPClientRequest(
            method: "POST", host: "127.0.0.1", port: port, path: "/v1/chat/completions",
            headers: [("content-type", "application/json")], body: Array(body.utf8)), timeout: .seconds(10))
        return (response, String(decoding: try await response.collect().bytes, as: UTF8.self))
    }

    static let streamBody = #"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"stream":true}"#

    @Test func aRefusedPickIsRetriedOnTheFallbackAndTheStreamPassesThrough() async throws {
        let replica = try await Self.startReplica()
        defer { replica.task.cancel() }
        // Port 1 on loopback refuses: a replica that died since its last scrape.
        try await withProxy(["127.0.0.1:1", "127.0.0.1:\(replica.port)"]) { proxy, port, client in
            let (response, text) = try await post(client, port: port, Self.streamBody)
            #expect(response.status == 200)
            #expect(response.header(ReverseProxy.servedHeader) == "127.0.0.1:\(replica.port)")
            #expect(text.components(separatedBy: "\"content\"").count - 1 == 5)
            #expect(text.hasSuffix("data: [DONE]\n\n"))
            #expect(proxy.counters.retried.load(ordering: .relaxed) == 1)
            #expect(proxy.picker.table.snapshots().map(\.isReady) == [false, true], "the refusing replica is marked down")
            #expect(proxy.picker.inFlightCount == 0)
        }
    }

    @Test func forwardedResponsesSayTheConnectionCloses() async throws {
        let replica = try await Self.startReplica()
        defer { replica.task.cancel() }
        try await withProxy(["127.0.0.1:\(replica.port)"]) { _, port, client in
            // Watching for the client's hang-up uses its connection up: the response must say
            // so, or the client's next request on it races the proxy's close.
            let (stream, _) = try await post(client, port: port, Self.streamBody)
            #expect(stream.status == 200)
            #expect(stream.header("connection") == "close")
            let (whole, _) = try await post(client, port: port, Self.streamBody.replacingOccurrences(of: "true", with: "false"))
            #expect(whole.status == 200)
            #expect(whole.header("connection") == "close", "a whole answer is watched the same way")
        }
    }

    @Test func aStreamCutByItsReplicaEndsWithAnErrorFrame() async throws {
        let replica = try await Self.startReplica()
        defer { replica.task.cancel() }
        try await withProxy(["127.0.0.1:\(replica.port)"]) { proxy, port, client in
            let body = Self.streamBody.replacingOccurrences(of: "hi", with: "cut")
            let (response, text) = try await post(client, port: port, body)
            #expect(response.status == 200)
            #expect(text.components(separatedBy: "\"content\"").count - 1 == 3)
            #expect(text.contains(#""jitserve_code":"upstream_failed""#))
            #expect(text.hasSuffix("data: [DONE]\n\n"))
            #expect(proxy.counters.broken.load(ordering: .relaxed) == 1)
        }
    }

    @Test func refusalsAreOpenAIErrors() async throws {
        try await withProxy(["127.0.0.1:1"], ready: false) { proxy, port, client in
            let (none, noneText) = try await post(client, port: port, Self.streamBody)
            #expect(none.status == 503)
            #expect(none.header("retry-after") == "1")
            #expect(noneText.contains(#""code":"no_replica_ready""#))
            let (bad, badText) = try await post(client, port: port, #"{"model":"m","messages":[]}"#)
            #expect(bad.status == 400)
            #expect(badText.contains(#""param":"messages""#))
            #expect(proxy.counters.noneReady.load(ordering: .relaxed) == 1)
        }
        try await withProxy(["127.0.0.1:1"]) { proxy, port, client in
            let (failed, text) = try await post(client, port: port, Self.streamBody)
            #expect(failed.status == 502)
            #expect(text.contains("127.0.0.1:1"))
            #expect(proxy.counters.upstreamFailed.load(ordering: .relaxed) == 1)
        }
    }

    @Test func aClientThatHangsUpReachesTheReplicaThroughAKeptAliveConnection() async throws {
        let abandoned = Tally()
        let replica = try await Self.startReplica(abandoned: abandoned)
        defer { replica.task.cancel() }
        try await withProxy(["127.0.0.1:\(replica.port)"]) { proxy, port, client in
            // A finished exchange first, so that the stream rides a pooled connection.
            let (first, _) = try await post(client, port: port, Self.streamBody)
            #expect(first.status == 200)
            let body = Self.streamBody.replacingOccurrences(of: "hi", with: "forever")
            let response = try await client.send(HTTPClientRequest(
                method: "POST", host: "127.0.0.1", port: port, path: "/v1/chat/completions",
                headers: [("content-type", "application/json")], body: Array(body.utf8)), timeout: .seconds(10))
            var chunks = response.body.makeAsyncIterator()
            #expect(try await chunks.next() != nil)
            response.cancel()
            var waited = 0
            while abandoned.count.load(ordering: .relaxed) == 0, waited < 300 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            #expect(abandoned.count.load(ordering: .relaxed) == 1, "the replica saw its client go away")
            #expect(proxy.counters.cancelled.load(ordering: .relaxed) == 1)
            #expect(proxy.picker.inFlightCount == 0)
            // And the proxy still serves, on a fresh connection to the replica.
            let (after, text) = try await post(client, port: port, Self.streamBody)
            #expect(after.status == 200)
            #expect(text.hasSuffix("data: [DONE]\n\n"))
        }
    }
}
