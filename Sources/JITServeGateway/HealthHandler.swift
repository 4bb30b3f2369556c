import SwiftProtobuf

/// gRPC health (`grpc.health.v1.Health`) for the picker, as GAIE's EPP protocol asks:
/// `liveness` is serving while the process answers; `readiness`, the ext_proc service's name
/// and the empty name are serving while at least one endpoint is ready to be picked.
struct HealthHandler: Sendable {
    typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    static let service = "grpc.health.v1.Health"
    static let services = [GAIEProtocol.livenessService, GAIEProtocol.readinessService, GAIEProtocol.extProcService, ""]

    let table: EndpointTable
    /// How often `Watch` looks for a change.
    var watchInterval: Duration = .seconds(1)

    /// The status of `service`, nil when it is not one of ours.
    func status(of service: String) -> Status? {
        switch service {
        case GAIEProtocol.livenessService: .serving
        case GAIEProtocol.readinessService, GAIEProtocol.extProcService, "": table.readyCount > 0 ? .serving : .notServing
        default: nil
        }
    }

    /// Registers `Check`, `Watch` and `List` with `router`.
    func register(in router: inout GRPCCallRouter) {
        router.register(service: Self.service, method: "Check", GRPCClosureHandler { requests, responses in
            try await responses.write(check(try await Self.single(requests)))
        })
        router.register(service: Self.service, method: "Watch", GRPCClosureHandler { requests, responses in
            try await watch(try await Self.single(requests), responses: responses)
        })
        router.register(service: Self.service, method: "List", GRPCClosureHandler { requests, responses in
            _ = try await Self.single(requests) as Grpc_Health_V1_HealthListRequest
            try await responses.write(list())
        })
    }

    func check(_ request: Grpc_Health_V1_HealthCheckRequest) throws(GatewayError) -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = status(of: request.service) else {
            throw .rpcFailed(.notFound, message: "unknown service '\(request.service)'; known: liveness, readiness, \(GAIEProtocol.extProcService)")
        }
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = status
        return response
    }

    func list() -> Grpc_Health_V1_HealthListResponse {
        var response = Grpc_Health_V1_HealthListResponse()
        for service in Self.services where !service.isEmpty {
            var entry = Grpc_Health_V1_HealthCheckResponse()
            entry.status = status(of: service) ?? .serviceUnknown
            response.statuses[service] = entry
        }
        return response
    }

    /// Sends the status now and on every change until the call is cancelled (an unknown
    /// service is reported as SERVICE_UNKNOWN, not as an error, as the protocol says).
    func watch(_ request: Grpc_Health_V1_HealthCheckRequest, responses: GRPCResponseWriter) async throws {
        var last: Status?
        while !Task.isCancelled {
            let now = status(of: request.service) ?? .serviceUnknown
            if now != last {
                var message = Grpc_Health_V1_HealthCheckResponse()
                message.status = now
                try await responses.write(message)
                last = now
            }
            try await Task.sleep(for: watchInterval)
        }
    }

    /// The one request message of a unary or server-streaming call.
    static func single<M: SwiftProtobuf.Message>(_ requests: AsyncThrowingStream<[UInt8], any Error>) async throws -> M {
        var iterator = requests.makeAsyncIterator()
        guard let bytes = try await iterator.next() else {
            throw GatewayError.rpcFailed(.invalidArgument, message: "the call carried no request message")
        }
        do {
            return try M(serializedBytes: bytes)
        } catch {
            throw GatewayError.rpcFailed(.invalidArgument, message: "not a \(M.protoMessageName): \(error)")
        }
    }
}
