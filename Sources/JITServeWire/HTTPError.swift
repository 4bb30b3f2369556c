import JITServeCore

/// Every way a request to the server can fail, with the field or header at fault.
///
/// Only this module — the server's wire half, kept apart from the HTTP stack so that its parsers
/// build and fuzz without Hummingbird — maps errors to HTTP statuses (`status`) and to OpenAI's
/// error body (`{"error": {"message", "type", "param", "code"}}`); `JITServeHTTP` adds the
/// mapping of engine refusals (`HTTPError(_:promptField:)`).
public enum HTTPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body is not JSON (or not an object); `offset` is the byte where parsing failed.
    case malformedJSON(reason: String, offset: Int)
    /// A field (`messages[0].role`) or header (`x-slo-ttft-ms`) has a bad type or value.
    case invalidField(String, reason: String)
    case missingField(String)
    /// The prompt leaves no room to generate within the model's context.
    case promptTooLong(field: String, promptTokenCount: Int, maxModelLength: Int)
    case unknownModel(String, served: String)
    case unknownRoute(method: String, path: String)
    /// The path exists, but not for this method; `allowed` is the `Allow` header's value.
    case methodNotAllowed(method: String, path: String, allowed: String)
    case unauthorized(reason: String)
    case bodyTooLarge(limit: Int)
    /// Shed by admission control; the client should retry after `retryAfterSeconds`.
    case overloaded(reason: String, retryAfterSeconds: Int)
    /// The request's SLO cannot be met even if it ran alone from now.
    case sloUnattainable(reason: String, retryAfterSeconds: Int)
    /// The model is still loading.
    case notReady
    case shuttingDown
    /// The engine failed while serving the request.
    case engineFailure(String)
    /// A router (`jitserve route`) has no replica ready to take the request.
    case noReplicaReady(reason: String)
    /// A router's replicas all failed before answering (refused, closed, or unavailable).
    case upstreamFailed(String)

    /// The HTTP status this error maps to.
    public var status: Int {
        switch self {
        case .malformedJSON, .invalidField, .missingField, .promptTooLong: 400
        case .unauthorized: 401
        case .unknownModel, .unknownRoute: 404
        case .methodNotAllowed: 405
        case .bodyTooLarge: 413
        case .overloaded, .sloUnattainable: 429
        case .engineFailure: 500
        case .upstreamFailed: 502
        case .notReady, .shuttingDown, .noReplicaReady: 503
        }
    }

    /// OpenAI's `error.type`.
    public var type: String {
        switch self {
        case .malformedJSON, .invalidField, .missingField, .promptTooLong, .unknownModel, .unknownRoute, .methodNotAllowed,
             .bodyTooLarge:
            "invalid_request_error"
        case .unauthorized: "authentication_error"
        case .overloaded, .sloUnattainable: "rate_limit_error"
        case .notReady, .shuttingDown, .noReplicaReady: "service_unavailable"
        case .engineFailure, .upstreamFailed: "server_error"
        }
    }

    /// OpenAI's `error.param`: the field or header at fault, if any.
    public var param: String? {
        switch self {
        case .invalidField(let field, _), .missingField(let field): field
        case .promptTooLong(let field, _, _): field
        case .unknownModel: "model"
        default: nil
        }
    }

    /// OpenAI's `error.code`.
    public var code: String {
        switch self {
        case .malformedJSON: "invalid_json"
        case .invalidField: "invalid_value"
        case .missingField: "missing_required_parameter"
        case .promptTooLong: "context_length_exceeded"
        case .unknownModel: "model_not_found"
        case .unknownRoute: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .unauthorized: "invalid_api_key"
        case .bodyTooLarge: "request_too_large"
        case .overloaded: "server_overloaded"
        case .sloUnattainable: "slo_unattainable"
        case .notReady: "model_loading"
        case .shuttingDown: "shutting_down"
        case .engineFailure: "engine_failure"
        case .noReplicaReady: "no_replica_ready"
        case .upstreamFailed: "upstream_failed"
        }
    }

    /// Seconds for the `Retry-After` header (429 and 503).
    public var retryAfterSeconds: Int? {
        switch self {
        case .overloaded(_, let s), .sloUnattainable(_, let s): s
        case .notReady, .shuttingDown, .noReplicaReady: 1
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .malformedJSON(let reason, let offset): "request body is not valid JSON: \(reason) at byte \(offset)"
        case .invalidField(let field, let reason): "invalid '\(field)': \(reason)"
        case .missingField(let field): "'\(field)' is required"
        case .promptTooLong(let field, let n, let max):
            "'\(field)' is \(n) tokens long; the model's context is \(max) tokens and needs room for at least one output token"
        case .unknownModel(let name, let served): "model '\(name)' does not exist; this server serves '\(served)'"
        case .unknownRoute(let method, let path): "no route for \(method) \(path)"
        case .methodNotAllowed(let method, let path, let allowed): "\(method) is not allowed on \(path); use \(allowed)"
        case .unauthorized(let reason): reason
        case .bodyTooLarge(let limit): "request body exceeds the limit of \(limit) bytes"
        case .overloaded(let reason, _): "server overloaded: \(reason)"
        case .sloUnattainable(let reason, _): "SLO cannot be met: \(reason)"
        case .notReady: "the model is still loading"
        case .shuttingDown: "the server is shutting down"
        case .engineFailure(let message): "engine failure: \(message)"
        case .noReplicaReady(let reason): "no replica is ready: \(reason)"
        case .upstreamFailed(let reason): "no replica could take the request: \(reason)"
        }
    }

    /// OpenAI's error body.
    public var body: JSONValue {
        .object([
            "error": .object([
                "message": .string(description),
                "type": .string(type),
                "param": param.map(JSONValue.string) ?? .null,
                "code": .string(code),
            ]),
        ])
    }
}
