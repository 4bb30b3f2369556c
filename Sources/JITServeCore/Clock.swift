/// The engine's source of time. A policy never reads it (a scheduler sees `now` in its
/// snapshot); the engine and its drivers do.
public protocol EngineClock: Sendable {
    /// The current instant on this clock.
    func now() -> Instant
}

/// Wall-clock time from a monotonic source, with its epoch at creation.
public struct WallClock: EngineClock {
    private let origin: ContinuousClock.Instant

    public init() { origin = ContinuousClock.now }

    public func now() -> Instant {
        Instant(seconds: (ContinuousClock.now - origin).seconds)
    }
}
