import Foundation
import JITServeCore
import SwiftProtobuf
import Synchronization
import Testing

@testable import JITServeGateway

/// The picker's gRPC server on loopback, asked as Envoy asks it (the Python test in
/// scripts/route_e2e.sh does the same with Envoy's own protos and real replicas).
@Suite struct ExtProcServerTests {
    func withServer(
        table: EndpointTable, _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let picker = try GatewayFixture.picker(table: table)
        let server = ExtProcServer(picker: picker, reader: GatewayFixture.reader, host: "127.0.0.1", port: 0)
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let running = Task { try await server.run { sink.yield($0) } }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await body(port)
    }

    @Test func answersRequestsOverGRPC() async throws {
        try await withServer(table: try GatewayFixture.table(held: [2, 0, 1])) { port in
            let probe = ExtProcProbe(port: port)
            let answers = try await probe.send(
                [
                    .init(body: GatewayFixture.chatBody()),
                    .init(body: GatewayFixture.chatBody(), subset: ["10.0.0.1:8000"]),
                    .init(body: Array("{".utf8)),
                    .init(method: "GET", path: "/v1/models", body: []),
                ], concurrency: 2)
            #expect(answers.count == 4)
            #expect(answers[0].endpoints.first == "10.0.0.2:8000")
            #expect(answers[0].metadataEndpoints == answers[0].endpoints)
            #expect(answers[1].endpoints == ["10.0.0.1:8000"])
            #expect(answers[2].immediateStatus == 400)
            #expect(answers[3].endpoints.count == 3)
        }
    }

    /// One health call over a fresh connection (the server's own client, as Envoy's kubelet
    /// probe would make it).
    static func health(_ method: String, _ service: String, port: Int, messages: Int = 1) async throws
        -> [Grpc_Health_V1_HealthCheckResponse.ServingStatus]
    {
        let connection = try await GRPCClientConnection.connect(host: "127.0.0.1", port: port)
        defer { Task { await connection.close() } }
        return try await connection.call(path: "/grpc.health.v1.Health/\(method)") { call in
            var request = Grpc_Health_V1_HealthCheckRequest()
            request.service = service
            try await call.send(request)
            try await call.closeRequests()
            var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
            while statuses.count < messages, let answer = try await call.next(Grpc_Health_V1_HealthCheckResponse.self) {
                statuses.append(answer.status)
            }
            return statuses
        }
    }

    @Test func healthFollowsReadiness() async throws {
        let table = try GatewayFixture.table(down: [0, 1, 2])
        try await withServer(table: table) { port in
            let liveness = try await Self.health("Check", "liveness", port: port)
            #expect(liveness == [.serving])
            let notReady = try await Self.health("Check", "readiness", port: port)
            #expect(notReady == [.notServing])
            let watchedNotReady = try await Self.health("Watch", "readiness", port: port)
            #expect(watchedNotReady == [.notServing])
            table.record(.init(endpoint: "10.0.0.2:8000", scrapedAt: .zero, waitingCount: 0, runningCount: 0, kvCacheUsage: 0))
            let ready = try await Self.health("Check", "readiness", port: port)
            #expect(ready == [.serving])
            let extProc = try await Self.health("Check", GAIEProtocol.extProcService, port: port)
            #expect(extProc == [.serving])
            // An unknown service is NOT_FOUND for Check, SERVICE_UNKNOWN for Watch (the protocol's rule).
            await #expect(throws: GatewayError.rpcFailed(.notFound, message: "unknown service 'nope'; known: liveness, readiness, \(GAIEProtocol.extProcService)")) {
                _ = try await Self.health("Check", "nope", port: port)
            }
            let unknownWatched = try await Self.health("Watch", "nope", port: port)
            #expect(unknownWatched == [.serviceUnknown])
        }
    }

    @Test func anUnknownMethodIsUnimplemented() async throws {
        try await withServer(table: try GatewayFixture.table()) { port in
            let error = await #expect(throws: GatewayError.self) {
                _ = try await Self.health("Nope", "liveness", port: port)
            }
            guard case .rpcFailed(let code, let message)? = error else { Issue.record("no status: \(String(describing: error))"); return }
            #expect(code == .unimplemented)
            #expect(message.contains("/grpc.health.v1.Health/Nope"))
        }
    }

    @Test func aMalformedRequestMessageIsInvalidArgument() async throws {
        try await withServer(table: try GatewayFixture.table()) { port in
            let connection = try await GRPCClientConnection.connect(host: "127.0.0.1", port: port)
            defer { Task { await connection.close() } }
            let error = await #expect(throws: GatewayError.self) {
                try await connection.call(path: "/\(GAIEProtocol.extProcService)/Process") { call in
                    // Field 2 (request_headers) claims 5 bytes and carries 1: truncated protobuf.
                    try await call.sendRaw([0x12, 0x05, 0x01])
                    try await call.closeRequests()
                    while try await call.next(Envoy_Service_ExtProc_V3_ProcessingResponse.self) != nil {}
                }
            }
            guard case .rpcFailed(let code, _)? = error else { Issue.record("no status: \(String(describing: error))"); return }
            #expect(code == .invalidArgument)
        }
    }

    /// The picker assumes a routed request's load until its ext_proc stream ends: with the
    /// proxy's half-close, or when the proxy goes away without one.
    @Test func aRoutedRequestIsHeldUntilItsStreamEnds() async throws {
        let picker = try GatewayFixture.picker(table: try GatewayFixture.table())
        let server = ExtProcServer(picker: picker, reader: GatewayFixture.reader, host: "127.0.0.1", port: 0)
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let running = Task { try await server.run { sink.yield($0) } }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        _ = try await ExtProcProbe(port: port).send([.init(body: GatewayFixture.chatBody())])
        #expect(try await Self.eventually { picker.inFlightCount == 0 })

        let connection = try await GRPCClientConnection.connect(host: "127.0.0.1", port: port)
        var held: Int?
        // The call fails once its connection is gone; what matters is what the picker saw.
        _ = try? await connection.call(path: "/\(GAIEProtocol.extProcService)/Process") { call in
            var headers = Envoy_Service_ExtProc_V3_ProcessingRequest()
            headers.requestHeaders.headers.headers = [(":method", "POST"), (":path", "/v1/chat/completions")].map { name, value in
                var header = Envoy_Config_Core_V3_HeaderValue()
                header.key = name
                header.rawValue = Data(value.utf8)
                return header
            }
            var body = Envoy_Service_ExtProc_V3_ProcessingRequest()
            body.requestBody.body = Data(GatewayFixture.chatBody())
            body.requestBody.endOfStream = true
            try await call.send(headers)
            try await call.send(body)
            _ = try await call.next(Envoy_Service_ExtProc_V3_ProcessingResponse.self)  // continue
            _ = try await call.next(Envoy_Service_ExtProc_V3_ProcessingResponse.self)  // the pick
            held = picker.inFlightCount
            await connection.close()  // gone, no half-close
        }
        #expect(held == 1)
        #expect(try await Self.eventually { picker.inFlightCount == 0 })
    }

    /// Polls `condition` for up to 5 s.
    static func eventually(_ condition: () async -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
