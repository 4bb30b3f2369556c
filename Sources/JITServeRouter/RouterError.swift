/// Errors of the routing module.
public enum RouterError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownRouter(String, valid: [String])
    /// A `/metrics` text that is not Prometheus text exposition.
    case malformedMetrics(line: Int, reason: String)
    /// A replica's `/metrics` lacks a gauge every GAIE model server publishes.
    case missingGauge(String, endpoint: String)

    public var description: String {
        switch self {
        case .unknownRouter(let name, let valid):
            "unknown router '\(name)'; valid: \(valid.joined(separator: ", "))"
        case .malformedMetrics(let line, let reason):
            "metrics line \(line): \(reason)"
        case .missingGauge(let name, let endpoint):
            "\(endpoint): /metrics has no '\(name)' gauge"
        }
    }
}
