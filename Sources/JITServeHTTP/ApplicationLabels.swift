import Synchronization

/// The application labels clients may give their requests (`application`, `x-application`).
///
/// Length estimates, their calibration and workflow patterns are learnt per application, so a
/// client must not be able to make that state grow without end by sending fresh labels: the
/// first `capacity` distinct labels are taken, and later new ones fall back to the endpoint's
/// own label (`chat` or `completion`), as if none had been sent.
public final class ApplicationLabels: Sendable {
    public let capacity: Int
    private let known = Mutex<Set<String>>([])

    public init(capacity: Int = 32) { self.capacity = max(0, capacity) }

    /// `label` when it is known or there is room for it, else `fallback`.
    public func resolve(_ label: String?, fallback: String) -> String {
        guard let label else { return fallback }
        return known.withLock { known in
            if known.contains(label) { return label }
            guard known.count < capacity else { return fallback }
            known.insert(label)
            return label
        }
    }

    /// Labels taken so far.
    public var count: Int { known.withLock { $0.count } }
}
