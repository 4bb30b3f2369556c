/// Errors of the load-generation module.
public enum LoadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server could not be reached or answered the discovery request badly.
    case serverUnavailable(url: String, reason: String)
    /// An option's value cannot be used.
    case invalidOption(option: String, reason: String)

    public var description: String {
        switch self {
        case .serverUnavailable(let url, let reason): "cannot use the server at \(url): \(reason)"
        case .invalidOption(let option, let reason): "\(option): \(reason)"
        }
    }
}
