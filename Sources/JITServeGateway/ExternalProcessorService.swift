import GRPCCore

/// Envoy's External Processing service as GAIE's endpoint picker: each gRPC stream is one HTTP
/// request, handled by an `ExtProcExchange`.
struct ExternalProcessorService: Envoy_Service_ExtProc_V3_ExternalProcessor.SimpleServiceProtocol {
    let picker: Picker
    let reader: RoutingRequestReader
    let maxBodyBytes: Int

    func process(
        request: RPCAsyncSequence<Envoy_Service_ExtProc_V3_ProcessingRequest, any Error>,
        response: RPCWriter<Envoy_Service_ExtProc_V3_ProcessingResponse>,
        context: ServerContext
    ) async throws {
        var exchange = ExtProcExchange(picker: picker, reader: reader, maxBodyBytes: maxBodyBytes)
        do {
            for try await message in request {
                try await response.write(await exchange.handle(message))
            }
        } catch {
            // The proxy reset the stream (the client went away): the request is over.
            await exchange.finish()
            throw error
        }
        await exchange.finish()
    }
}
