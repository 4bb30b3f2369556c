import JITServeCore
import Synchronization

/// Where a proxied request's time goes, phase by phase: `jitserve bench route` turns it on to
/// show what the proxy adds to each token and why. Off (nil) in `jitserve route`.
public final class ProxyTimings: Sendable {
    public enum Phase: String, CaseIterable, Sendable {
        /// The request arrived → its body is read.
        case bodyRead = "body read"
        /// The routing request parsed and the picker's decision.
        case pick = "parse + pick"
        /// The request sent to the replica (on a pooled or a fresh connection) → its response head.
        case upstreamHead = "send + replica's head"
        /// A body chunk read from the replica → written and flushed to the client.
        case chunkForward = "per chunk: read → written"
    }

    private let samples = Mutex([Phase: [Duration]]())

    public init() {}

    func record(_ phase: Phase, _ duration: Duration) {
        samples.withLock { $0[phase, default: []].append(duration) }
    }

    /// Every phase's samples so far, in seconds.
    public func seconds(_ phase: Phase) -> [Double] {
        samples.withLock { $0[phase, default: []].map(\.seconds) }
    }

    /// Forgets the samples (after a warm-up).
    public func reset() { samples.withLock { $0 = [:] } }
}
