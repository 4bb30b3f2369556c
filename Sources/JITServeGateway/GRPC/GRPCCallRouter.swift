/// Maps a gRPC call's `:path` (`/package.Service/Method`) to the handler that serves it; a path
/// it does not know is answered UNIMPLEMENTED, as gRPC servers do.
struct GRPCCallRouter: Sendable {
    private var handlers: [String: any GRPCMethodHandler] = [:]

    init() {}

    /// Serves `/<service>/<method>` with `handler` (a second registration replaces the first).
    mutating func register(service: String, method: String, _ handler: any GRPCMethodHandler) {
        handlers["/\(service)/\(method)"] = handler
    }

    /// The handler of `path`, or the status to end the call with.
    func handler(for path: String) -> Result<any GRPCMethodHandler, GatewayError> {
        if let handler = handlers[path] { return .success(handler) }
        return .failure(.rpcFailed(.unimplemented, message: "unknown method \(path); served: \(paths.joined(separator: ", "))"))
    }

    /// Every path served, sorted.
    var paths: [String] { handlers.keys.sorted() }
}
