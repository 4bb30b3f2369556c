import JITServeCore
import Synchronization

/// How fast requests leave the engine (finish, or are cancelled) over the last few seconds: the
/// rate the waiting queue drains at, which admission control turns into a predicted queueing
/// delay (Little's law: waiting / departures per second).
public final class DepartureRate: Sendable {
    /// Seconds of history the rate is taken over.
    public let window: Double
    /// Departures the window must hold before a rate is given (fewer: not enough to predict).
    public let minimumCount: Int
    private let departures = Mutex<[Double]>([])

    public init(window: Double = 10, minimumCount: Int = 5) {
        self.window = window
        self.minimumCount = minimumCount
    }

    /// Notes a departure at `instant` (the engine's clock).
    public func record(at instant: Instant) {
        departures.withLock { times in
            times.append(instant.seconds)
            // Pruned here too, so that a server nobody asks keeps only a window's worth.
            if let first = times.first, first < instant.seconds - 2 * window {
                times.removeAll { $0 < instant.seconds - window }
            }
        }
    }

    /// Notes `record`'s departure if it left served (finished or cancelled): one shed from the
    /// queue (predictive admission's late shedding) left without service, and counting it would
    /// shorten the wait predicted for the next.
    public func record(_ record: RequestRecord) {
        guard record.timeline.finishReason != .shed, let finishedAt = record.timeline.finishedAt else { return }
        self.record(at: finishedAt)
    }

    /// Departures per second over the window before `now`; nil while fewer than `minimumCount`
    /// fall inside it.
    public func perSecond(at now: Instant) -> Double? {
        departures.withLock { times in
            times.removeAll { $0 < now.seconds - window }
            guard times.count >= minimumCount else { return nil }
            return Double(times.count) / window
        }
    }
}
