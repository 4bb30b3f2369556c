import SwiftProtobuf
import Synchronization
import Testing

@testable import JITServeGateway

/// The gRPC server on loopback with handlers of the test's own, through the gateway's client.
@Suite struct GRPCServerTests {
    func withServer(_ router: GRPCCallRouter, _ body: (Int) async throws -> Void) async throws {
        let server = GRPCServer(router: router, host: "127.0.0.1", port: 0, maxMessageBytes: 1 << 16)
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let running = Task { try await server.run { sink.yield($0) } }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        try await body(try #require(await iterator.next()))
    }

    /// Echoes each request message back (as a StringValue with a prefix), then ends OK.
    @Test func messagesStreamBothWaysAndTheCallEndsAtHalfClose() async throws {
        var router = GRPCCallRouter()
        router.register(service: "t.S", method: "Echo", GRPCClosureHandler { requests, responses in
            for try await bytes in requests {
                let message = try Google_Protobuf_StringValue(serializedBytes: bytes)
                try await responses.write(Google_Protobuf_StringValue("echo " + message.value))
            }
        })
        try await withServer(router) { port in
            let connection = try await GRPCClientConnection.connect(host: "127.0.0.1", port: port)
            defer { Task { await connection.close() } }
            let answers = try await connection.call(path: "/t.S/Echo") { call in
                var answers: [String] = []
                for word in ["a", String(repeating: "b", count: 40_000), "c"] {
                    try await call.send(Google_Protobuf_StringValue(word))
                    let answer = try await call.next(Google_Protobuf_StringValue.self)
                    answers.append(answer?.value ?? "(none)")
                }
                try await call.closeRequests()
                let afterHalfClose = try await call.next(Google_Protobuf_StringValue.self)
                #expect(afterHalfClose == nil)
                return answers
            }
            #expect(answers == ["echo a", "echo " + String(repeating: "b", count: 40_000), "echo c"])
        }
    }

    /// A client that goes away mid-call (after its half-close, as a cancelled Watch does)
    /// cancels the handler instead of leaving it running.
    @Test func aVanishedClientCancelsTheHandler() async throws {
        let wasCancelled = Mutex(false)
        var router = GRPCCallRouter()
        router.register(service: "t.S", method: "Forever", GRPCClosureHandler { _, responses in
            try await responses.write(Google_Protobuf_StringValue("started"))
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                wasCancelled.withLock { $0 = true }
                throw error
            }
        })
        try await withServer(router) { port in
            let connection = try await GRPCClientConnection.connect(host: "127.0.0.1", port: port)
            _ = try? await connection.call(path: "/t.S/Forever") { call in
                try await call.send(Google_Protobuf_StringValue("go"))
                try await call.closeRequests()
                _ = try await call.next(Google_Protobuf_StringValue.self)
                await connection.close()
            }
            let cancelled = try await ExtProcServerTests.eventually { wasCancelled.withLock { $0 } }
            #expect(cancelled)
        }
    }

    @Test func aHandlersErrorStatusReachesTheClientWithItsMessage() async throws {
        var router = GRPCCallRouter()
        router.register(service: "t.S", method: "Fail", GRPCClosureHandler { _, responses in
            try await responses.write(Google_Protobuf_StringValue("partial"))
            throw GatewayError.rpcFailed(.resourceExhausted, message: "too much: 100% ünïcode")
        })
        try await withServer(router) { port in
            let connection = try await GRPCClientConnection.connect(host: "127.0.0.1", port: port)
            defer { Task { await connection.close() } }
            await #expect(throws: GatewayError.rpcFailed(.resourceExhausted, message: "too much: 100% ünïcode")) {
                try await connection.call(path: "/t.S/Fail") { call in
                    try await call.closeRequests()
                    let first = try await call.next(Google_Protobuf_StringValue.self)
                    #expect(first?.value == "partial")
                    _ = try await call.next(Google_Protobuf_StringValue.self)
                }
            }
        }
    }
}
