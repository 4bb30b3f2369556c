/// Errors of the set-up module.
public enum SetupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An `…-oracle` policy was asked for where no trace says what the true lengths are.
    case oracleNeedsTrace(policy: String)

    public var description: String {
        switch self {
        case .oracleNeedsTrace(let policy):
            "'\(policy)' is told true output lengths and workflow shapes, which only a trace replay "
                + "knows: use it with `simulate` or `bench`, not with live requests"
        }
    }
}
