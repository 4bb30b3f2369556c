import Synchronization

/// What the reverse proxy did, for its `/metrics` (`jitserve_route_*`) and its exit summary.
public final class ProxyCounters: Sendable {
    /// Requests forwarded to a replica that answered.
    public let forwarded = Atomic<Int>(0)
    /// Attempts that moved on to the next fallback (a replica refused, closed before answering,
    /// or answered 503).
    public let retried = Atomic<Int>(0)
    /// Requests no replica took (502).
    public let upstreamFailed = Atomic<Int>(0)
    /// Requests refused by the router (429).
    public let shed = Atomic<Int>(0)
    /// Requests refused because no replica was ready (503).
    public let noneReady = Atomic<Int>(0)
    /// Responses cut off by their replica after they started (a stream gets an error frame).
    public let broken = Atomic<Int>(0)
    /// Requests whose client went away before the response ended (the replica is told).
    public let cancelled = Atomic<Int>(0)

    public init() {}

    /// The counters by Prometheus name, in a fixed order.
    public var values: [(name: String, help: String, value: Int)] {
        [
            ("jitserve_route_forwarded_total", "Requests a replica answered.", forwarded.load(ordering: .relaxed)),
            ("jitserve_route_retries_total", "Attempts moved on to the next fallback replica before a response started.", retried.load(ordering: .relaxed)),
            ("jitserve_route_upstream_failed_total", "Requests no replica took (502).", upstreamFailed.load(ordering: .relaxed)),
            ("jitserve_route_shed_total", "Requests the router refused (429).", shed.load(ordering: .relaxed)),
            ("jitserve_route_none_ready_total", "Requests refused with no replica ready (503).", noneReady.load(ordering: .relaxed)),
            ("jitserve_route_broken_responses_total", "Responses their replica cut off after they started.", broken.load(ordering: .relaxed)),
            ("jitserve_route_cancelled_total", "Requests whose client went away before the response ended.", cancelled.load(ordering: .relaxed)),
        ]
    }
}
