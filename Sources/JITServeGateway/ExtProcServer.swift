import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// The ext_proc endpoint picker's gRPC server (`jitserve route --ext-proc PORT`): Envoy's
/// External Processing service and gRPC health on one plaintext HTTP/2 port (an in-cluster hop
/// from the gateway, as GAIE deploys its picker).
public struct ExtProcServer: Sendable {
    public let picker: Picker
    public let reader: RoutingRequestReader
    public let host: String
    public let port: Int
    /// Largest request body the picker buffers (a larger one gets 413).
    public let maxBodyBytes: Int

    public init(picker: Picker, reader: RoutingRequestReader, host: String = "0.0.0.0", port: Int, maxBodyBytes: Int = 4 << 20) {
        self.picker = picker
        self.reader = reader
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
    }

    /// Serves until the task is cancelled; `onListening` gets the bound port (useful with port 0).
    /// - Throws: `GatewayError.listenFailed` when the port cannot be bound.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let address: GRPCNIOTransportHTTP2Posix.SocketAddress =
            host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        let transport = HTTP2ServerTransport.Posix(address: address, transportSecurity: .plaintext)
        let server = GRPCServer(
            transport: transport,
            services: [
                ExternalProcessorService(picker: picker, reader: reader, maxBodyBytes: maxBodyBytes),
                PickerHealthService(table: picker.table),
            ])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            group.addTask {
                do {
                    let bound = try await transport.listeningAddress
                    onListening(bound.ipv4?.port ?? bound.ipv6?.port ?? port)
                } catch {
                    throw GatewayError.listenFailed(address: "\(host):\(port)", reason: "\(error)")
                }
            }
            try await withTaskCancellationHandler {
                try await group.next()
                try await group.next()
            } onCancel: {
                server.beginGracefulShutdown()
            }
        }
    }
}
