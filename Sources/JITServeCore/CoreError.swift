/// Errors raised by the core types.
public enum CoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidValue(field: String, reason: String)

    public var description: String {
        switch self {
        case .invalidValue(let field, let reason): "invalid \(field): \(reason)"
        }
    }
}
