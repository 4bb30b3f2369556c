import GRPCCore
import GRPCNIOTransportHTTP2Posix
import JITServeCore
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

    @Test func healthFollowsReadiness() async throws {
        let table = try GatewayFixture.table(down: [0, 1, 2])
        try await withServer(table: table) { port in
            let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
            try await withGRPCClient(transport: transport) { client in
                let health = Grpc_Health_V1_Health.Client(wrapping: client)
                func status(_ service: String) async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
                    var request = Grpc_Health_V1_HealthCheckRequest()
                    request.service = service
                    return try await health.check(request).status
                }
                let liveness = try await status("liveness")
                #expect(liveness == .serving)
                let notReady = try await status("readiness")
                #expect(notReady == .notServing)
                table.record(.init(endpoint: "10.0.0.2:8000", scrapedAt: .zero, waitingCount: 0, runningCount: 0, kvCacheUsage: 0))
                let ready = try await status("readiness")
                #expect(ready == .serving)
                let service = try await status(GAIEProtocol.extProcService)
                #expect(service == .serving)
                await #expect(throws: RPCError.self) { _ = try await status("nope") }
            }
        }
    }
}
