import JITServeHTTPClient
import Testing

/// Keep-alive connection reuse, against a loopback server that counts its connections.
@Suite struct ConnectionPoolTests {
    func get(_ client: NIOHTTPClient, _ server: CountingHTTPServer, _ path: String = "/") async throws -> String {
        let response = try await client.send(HTTPClientRequest(host: "127.0.0.1", port: server.port, path: path), timeout: .seconds(5))
        return String(decoding: try await response.collect().bytes, as: UTF8.self)
    }

    @Test func sequentialRequestsShareOneConnection() async throws {
        let server = try await CountingHTTPServer.start()
        let client = NIOHTTPClient()
        for _ in 0..<5 { #expect(try await get(client, server) == "ok") }
        #expect(server.requestCount == 5)
        #expect(server.acceptedCount == 1)
        #expect(client.idleConnectionCount == 1)
        await client.shutdown()
        #expect(try await server.eventually { server.closedCount == 1 }, "shutdown closes the idle connection")
        await server.stop()
    }

    @Test func withNoIdleConnectionsKeptEachRequestConnectsAfresh() async throws {
        let server = try await CountingHTTPServer.start()
        let client = NIOHTTPClient(maxIdleConnectionsPerHost: 0)
        for _ in 0..<3 { #expect(try await get(client, server) == "ok") }
        #expect(server.acceptedCount == 3)
        #expect(try await server.eventually { server.closedCount == 3 })
        await client.shutdown()
        await server.stop()
    }

    @Test func aRequestAskingToCloseIsNotPooled() async throws {
        let server = try await CountingHTTPServer.start()
        let client = NIOHTTPClient()
        let response = try await client.send(
            HTTPClientRequest(host: "127.0.0.1", port: server.port, path: "/", headers: [("Connection", "close")]), timeout: .seconds(5))
        _ = try await response.collect()
        #expect(try await server.eventually { server.closedCount == 1 })
        #expect(client.idleConnectionCount == 0)
        await client.shutdown()
        await server.stop()
    }

    @Test func aCancelledStreamClosesItsConnectionAndIsNotReused() async throws {
        let server = try await CountingHTTPServer.start()
        let client = NIOHTTPClient()
        #expect(try await get(client, server) == "ok")
        let stream = try await client.send(
            HTTPClientRequest(host: "127.0.0.1", port: server.port, path: "/stream"), timeout: .seconds(5))
        var chunks = stream.body.makeAsyncIterator()
        #expect(try await chunks.next() != nil, "the first chunk arrives; the body never ends")
        #expect(server.acceptedCount == 1, "the stream reused the first request's connection")
        stream.cancel()
        #expect(try await server.eventually { server.closedCount == 1 }, "the server sees its client go away")
        #expect(try await get(client, server) == "ok")
        #expect(server.acceptedCount == 2, "the cancelled stream's connection was not handed out again")
        await client.shutdown()
        await server.stop()
    }

    @Test func aStreamWhoseReaderStopsClosesItsConnection() async throws {
        let server = try await CountingHTTPServer.start()
        let client = NIOHTTPClient()
        let reader = Task {
            let stream = try await client.send(
                HTTPClientRequest(host: "127.0.0.1", port: server.port, path: "/stream"), timeout: .seconds(5))
            for try await _ in stream.body {}
        }
        #expect(try await server.eventually { server.requestCount == 1 })
        reader.cancel()
        _ = await reader.result
        #expect(try await server.eventually { server.closedCount == 1 })
        #expect(client.idleConnectionCount == 0)
        await client.shutdown()
        await server.stop()
    }

    @Test func aKeptAliveConnectionTheServerDropsIsRetriedOnAFreshOne() async throws {
        let server = try await CountingHTTPServer.start()
        let client = NIOHTTPClient()
        #expect(try await get(client, server, "/drop-second") == "ok")
        // The pooled connection is closed unanswered as the request arrives: sent again, fresh.
        #expect(try await get(client, server, "/drop-second") == "ok")
        #expect(server.acceptedCount == 2)
        #expect(server.requestCount == 3)
        await client.shutdown()
        await server.stop()
    }

    @Test func aConnectionTheServerClosedWhileIdleIsNotUsed() async throws {
        let server = try await CountingHTTPServer.start()
        let client = NIOHTTPClient()
        #expect(try await get(client, server, "/close-after") == "ok")
        #expect(try await server.eventually { server.closedCount == 1 })
        #expect(try await get(client, server) == "ok")
        #expect(server.acceptedCount == 2)
        #expect(server.requestCount == 2, "the closed connection was dropped from the pool, not tried")
        await client.shutdown()
        await server.stop()
    }

    @Test func aFreshConnectionClosedUnansweredIsNotSentAgain() async throws {
        let server = try await CountingHTTPServer.start()
        let client = NIOHTTPClient()
        await #expect(throws: HTTPClientError.connectionClosed(beforeHead: true)) {
            _ = try await get(client, server, "/drop")
        }
        #expect(server.requestCount == 1, "only a reused connection's failure is retried")
        await client.shutdown()
        await server.stop()
    }

    @Test func idleConnectionsCloseAfterTheIdleTimeout() async throws {
        let server = try await CountingHTTPServer.start()
        let client = NIOHTTPClient(idleTimeout: .milliseconds(100))
        #expect(try await get(client, server) == "ok")
        #expect(try await server.eventually { server.closedCount == 1 })
        #expect(client.idleConnectionCount == 0)
        await client.shutdown()
        await server.stop()
    }
}
