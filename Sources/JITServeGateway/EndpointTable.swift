import JITServeCore
import JITServeRouter
import Synchronization

/// The replicas the picker may route to, each with its latest snapshot: written by the scraper
/// (and by the proxy when a replica refuses a connection), copied by every decision.
public final class EndpointTable: Sendable {
    private let state: Mutex<[ReplicaSnapshot]>

    /// Endpoints start not ready: nothing is known of them until their first scrape.
    public init(_ addresses: [EndpointAddress]) {
        state = Mutex(addresses.map(Self.unscraped))
    }

    /// Every endpoint's latest snapshot, in the order the source lists them.
    public func snapshots() -> [ReplicaSnapshot] { state.withLock { $0 } }

    /// The endpoints' names, in order.
    public var endpoints: [String] { state.withLock { $0.map(\.endpoint) } }

    /// Endpoints whose last scrape succeeded.
    public var readyCount: Int { state.withLock { $0.count(where: \.isReady) } }

    /// Replaces the endpoint list: endpoints kept keep their snapshot, new ones start not ready.
    public func setAddresses(_ addresses: [EndpointAddress]) {
        state.withLock { table in
            let known = Dictionary(table.map { ($0.endpoint, $0) }, uniquingKeysWith: { a, _ in a })
            table = addresses.map { known[$0.description] ?? Self.unscraped($0) }
        }
    }

    /// Stores a fresh snapshot (ignored when its endpoint has left the list meanwhile).
    public func record(_ snapshot: ReplicaSnapshot) {
        state.withLock { table in
            if let i = table.firstIndex(where: { $0.endpoint == snapshot.endpoint }) { table[i] = snapshot }
        }
    }

    /// Marks `endpoint` not ready (a failed scrape or a refused connection), keeping its last
    /// figures; returns true when it was ready until now.
    @discardableResult
    public func markDown(_ endpoint: String) -> Bool {
        state.withLock { table in
            guard let i = table.firstIndex(where: { $0.endpoint == endpoint }) else { return false }
            defer { table[i].isReady = false }
            return table[i].isReady
        }
    }

    static func unscraped(_ address: EndpointAddress) -> ReplicaSnapshot {
        ReplicaSnapshot(
            endpoint: address.description, scrapedAt: Instant(seconds: -.infinity), isReady: false, waitingCount: 0,
            runningCount: 0, kvCacheUsage: 0)
    }
}
