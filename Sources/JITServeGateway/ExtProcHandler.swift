/// Envoy's External Processing `Process` call (a bidirectional stream) as GAIE's endpoint
/// picker: each stream is one HTTP request, handled by an `ExtProcExchange`; every message
/// the proxy sends gets its answer, in order.
struct ExtProcHandler: GRPCMethodHandler {
    static let service = GAIEProtocol.extProcService
    static let method = "Process"

    let picker: Picker
    let reader: RoutingRequestReader
    let maxBodyBytes: Int

    func handle(requests: AsyncThrowingStream<[UInt8], any Error>, responses: GRPCResponseWriter) async throws {
        var exchange = ExtProcExchange(picker: picker, reader: reader, maxBodyBytes: maxBodyBytes)
        do {
            for try await bytes in requests {
                let message: Envoy_Service_ExtProc_V3_ProcessingRequest
                do {
                    message = try Envoy_Service_ExtProc_V3_ProcessingRequest(serializedBytes: bytes)
                } catch {
                    throw GatewayError.rpcFailed(.invalidArgument, message: "not a ProcessingRequest: \(error)")
                }
                try await responses.write(await exchange.handle(message))
            }
        } catch {
            // The proxy reset the stream (the client went away) or sent garbage: the request
            // is over either way.
            await exchange.finish()
            throw error
        }
        await exchange.finish()
    }
}
