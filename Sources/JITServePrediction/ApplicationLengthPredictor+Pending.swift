import JITServeCore

extension ApplicationLengthPredictor {
    /// Which calibration window a request's outcome belongs to.
    public struct CalibrationKey: Hashable, Sendable {
        /// Which of the base's estimates the request was given.
        public enum Source: String, Sendable {
            /// Read from the prompt's text.
            case text
            /// From its token count alone (no text).
            case tokenCount = "token-count"
            /// From its application's recent requests of similar prompt length.
            case neighbours
        }

        public var servedModel: String
        /// The request's application ("" when it carries none).
        public var application: String
        public var source: Source
    }

    /// The base distribution each request still running was given, so that scoring its
    /// outcome costs a lookup rather than a second forest evaluation. Bounded: requests that
    /// never report back (cancelled) are forgotten oldest first once `capacity` are held.
    struct PendingBounds: Sendable {
        private var entries: [RequestID: (key: CalibrationKey, base: LengthDistribution)] = [:]
        /// Insertion order, as a ring of `capacity` slots.
        private var order: [RequestID?]
        private var next = 0

        init(capacity: Int) { order = Array(repeating: nil, count: max(1, capacity)) }

        var count: Int { entries.count }

        mutating func insert(_ id: RequestID, key: CalibrationKey, base: LengthDistribution) {
            if let evicted = order[next], evicted != id { entries[evicted] = nil }
            order[next] = id
            next = (next + 1) % order.count
            entries[id] = (key, base)
        }

        mutating func remove(_ id: RequestID) -> (key: CalibrationKey, base: LengthDistribution)? {
            entries.removeValue(forKey: id)
        }
    }
}
