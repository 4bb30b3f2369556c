/// One gRPC method as the picker's server runs it: it reads the call's request messages (raw
/// protobuf, as they arrive) and writes response messages; returning ends the call with OK,
/// throwing `GatewayError.rpcFailed` ends it with that status (any other error: INTERNAL).
///
/// Every method is served as a bidirectional stream; a unary one reads its single message and
/// writes one answer. The request stream ends when the peer half-closes and fails when it
/// resets the stream.
protocol GRPCMethodHandler: Sendable {
    func handle(requests: AsyncThrowingStream<[UInt8], any Error>, responses: GRPCResponseWriter) async throws
}

/// A handler from a closure.
struct GRPCClosureHandler: GRPCMethodHandler {
    let body: @Sendable (AsyncThrowingStream<[UInt8], any Error>, GRPCResponseWriter) async throws -> Void

    func handle(requests: AsyncThrowingStream<[UInt8], any Error>, responses: GRPCResponseWriter) async throws {
        try await body(requests, responses)
    }
}
