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

    /// The calls served: ext_proc `Process` and health `Check`/`Watch`/`List`.
    var router: GRPCCallRouter {
        var router = GRPCCallRouter()
        router.register(
            service: ExtProcHandler.service, method: ExtProcHandler.method,
            ExtProcHandler(picker: picker, reader: reader, maxBodyBytes: maxBodyBytes))
        HealthHandler(table: picker.table).register(in: &router)
        return router
    }

    /// Serves until the task is cancelled; `onListening` gets the bound port (useful with port 0).
    /// - Throws: `GatewayError.listenFailed` when the port cannot be bound.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        // A body chunk message carries at most the body limit plus its envelope.
        let server = GRPCServer(router: router, host: host, port: port, maxMessageBytes: maxBodyBytes + (64 << 10))
        try await server.run(onListening: onListening)
    }
}
