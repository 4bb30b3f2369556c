/// A point in time, measured from the epoch of the clock that produced it.
///
/// The engine runs under either a virtual clock (simulation) or the wall clock (serving); both
/// hand out `Instant`s so that timelines and goodput accounting never care which.
/// Stored as seconds in a `Double`: schedulers do arithmetic on it every iteration, and a
/// double's 52-bit mantissa keeps sub-nanosecond resolution for runs of days.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds since the clock's epoch.
    public var seconds: Double

    @inlinable
    public init(seconds: Double) { self.seconds = seconds }

    /// The clock's epoch. Computed, not stored: reading a stored static goes through a one-time
    /// initialiser the optimiser cannot see into, and a scheduler that names it while reading a
    /// queued request's row in place would have to copy the row first.
    @inlinable
    public static var zero: Instant { Instant(seconds: 0) }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.seconds < rhs.seconds }

    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(seconds: lhs.seconds + rhs.seconds)
    }

    public static func - (lhs: Instant, rhs: Duration) -> Instant {
        Instant(seconds: lhs.seconds - rhs.seconds)
    }

    /// The duration from `rhs` to `lhs` (negative when `lhs` is earlier).
    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .seconds(lhs.seconds - rhs.seconds)
    }

    public func advanced(bySeconds delta: Double) -> Instant { Instant(seconds: seconds + delta) }

    public var description: String { "t=\(seconds)s" }
}

extension Duration {
    /// The duration in seconds as a `Double`, for the arithmetic schedulers do.
    @inlinable
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    /// The duration in milliseconds as a `Double`.
    @inlinable
    public var milliseconds: Double { seconds * 1e3 }
}
