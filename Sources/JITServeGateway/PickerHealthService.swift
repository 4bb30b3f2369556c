import GRPCCore

/// gRPC health for the picker (GAIE's EPP protocol): `liveness` is serving while the process
/// answers; `readiness`, the ext_proc service's name and the empty name are serving while at
/// least one endpoint is ready to be picked.
struct PickerHealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    let table: EndpointTable
    /// How often `Watch` looks for a change.
    var watchInterval: Duration = .seconds(1)

    static let services = [GAIEProtocol.livenessService, GAIEProtocol.readinessService, GAIEProtocol.extProcService, ""]

    /// The status of `service`, nil when it is not one of ours.
    func status(of service: String) -> Status? {
        switch service {
        case GAIEProtocol.livenessService: .serving
        case GAIEProtocol.readinessService, GAIEProtocol.extProcService, "": table.readyCount > 0 ? .serving : .notServing
        default: nil
        }
    }

    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = status(of: request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'; known: liveness, readiness, \(GAIEProtocol.extProcService)")
        }
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = status
        return response
    }

    func list(request: Grpc_Health_V1_HealthListRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthListResponse {
        var response = Grpc_Health_V1_HealthListResponse()
        for service in Self.services where !service.isEmpty {
            var entry = Grpc_Health_V1_HealthCheckResponse()
            entry.status = status(of: service) ?? .serviceUnknown
            response.statuses[service] = entry
        }
        return response
    }

    func watch(
        request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        var last: Status?
        while !Task.isCancelled {
            let now = status(of: request.service) ?? .serviceUnknown
            if now != last {
                var message = Grpc_Health_V1_HealthCheckResponse()
                message.status = now
                try await response.write(message)
                last = now
            }
            try await Task.sleep(for: watchInterval)
        }
    }
}
