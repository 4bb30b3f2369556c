/// Identifies one LLM call for its whole life in an engine: queueing, every iteration, its record.
public struct RequestID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: RequestID, rhs: RequestID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "req-\(rawValue)" }
}

/// Identifies a compound request: the DAG of calls an agent makes under one end-to-end deadline.
public struct WorkflowID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: WorkflowID, rhs: WorkflowID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "wf-\(rawValue)" }
}
