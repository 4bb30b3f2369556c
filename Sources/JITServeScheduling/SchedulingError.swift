/// Errors of the scheduling module.
public enum SchedulingError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownScheduler(String, valid: [String])

    public var description: String {
        switch self {
        case .unknownScheduler(let name, let valid):
            "unknown scheduler '\(name)'; valid: \(valid.joined(separator: ", "))"
        }
    }
}
