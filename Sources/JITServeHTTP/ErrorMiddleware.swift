import Hummingbird

/// Turns every error a handler throws into an OpenAI-style JSON error response, so that no
/// input produces Hummingbird's bare default answers (or a 500 without a body).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The methods a path takes (`Allow`), or nil for a path the server does not have: a known
    /// path asked with another method is a 405 that says which, not a 404.
    var allowedMethods: @Sendable (String) -> String? = { _ in nil }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            return Self.response(for: error)
        } catch let error as any HTTPResponseError {
            switch error.status {
            case .notFound, .methodNotAllowed:
                let path = request.uri.path
                if let allowed = allowedMethods(path) {
                    return Self.response(for: .methodNotAllowed(method: request.method.rawValue, path: path, allowed: allowed))
                }
                return Self.response(for: .unknownRoute(method: request.method.rawValue, path: path))
            case .contentTooLarge:
                return Self.response(for: .bodyTooLarge(limit: -1))
            default:
                return Self.response(for: .invalidField("body", reason: "\(error)"))
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return Self.response(for: .engineFailure("\(error)"))
        }
    }

    static func response(for error: HTTPError) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        if error.status == 401 { headers[.wwwAuthenticate] = "Bearer" }
        if case .methodNotAllowed(_, _, let allowed) = error { headers[.allow] = allowed }
        return Response(
            status: .init(code: error.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: error.body.serialized + "\n")))
    }
}
