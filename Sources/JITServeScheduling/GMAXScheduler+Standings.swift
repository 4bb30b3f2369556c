import JITServeCore

extension GMAXScheduler {
    /// One request's standing as GMAX ranks it, read-only: what `jitserve bench anatomy` reads
    /// to tell who holds the batch and why, under any policy. Reading it changes no decision.
    public struct Standing: Sendable {
        /// GMAX's tiers, in the order they are served (a public mirror of the internal one).
        public enum Tier: Int, Sendable {
            case urgent, ahead, deferred, hopeless

            /// How reports name it.
            public var label: String {
                switch self {
                case .urgent: "urgent"
                case .ahead: "ahead"
                case .deferred: "deferred"
                case .hopeless: "hopeless"
                }
            }
        }

        public var id: RequestID
        public var tier: Tier
        /// Goodput density (goodput still attainable per second of remaining work).
        public var density: Double
        /// Iterations it could sit out and still reach its next milestone.
        public var laxity: Double
    }

    /// Every request of `snapshot` (running, then waiting) in the order this policy serves
    /// them before batch composition and the TBT guard.
    public func standings(_ snapshot: SchedulerSnapshot) -> [Standing] {
        rank(SnapshotRows(snapshot), in: snapshot).sorted(by: Self.servedBefore).map {
            let tier: Standing.Tier = switch $0.tier {
            case .urgent: .urgent
            case .ahead: .ahead
            case .deferred: .deferred
            case .hopeless: .hopeless
            }
            return Standing(id: $0.id, tier: tier, density: $0.density, laxity: $0.laxity)
        }
    }
}
