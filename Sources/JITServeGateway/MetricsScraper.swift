import JITServeCore
import JITServeRouter

/// Reads one endpoint's `/metrics` text.
public protocol MetricsFetcher: Sendable {
    func metrics(of endpoint: EndpointAddress, timeout: Duration) async throws -> String
}

/// Keeps the endpoint table current: re-reads a dynamic endpoint source, and scrapes every
/// endpoint's `/metrics` each `interval` (GAIE's pickers scrape every 50 ms), parsing it with
/// the router module's parser — the one path from published gauges to a snapshot.
///
/// A scrape that fails (refused, timed out, not Prometheus text, a vLLM gauge missing) marks the
/// endpoint not ready until one succeeds.
public struct MetricsScraper: Sendable {
    public let table: EndpointTable
    public let source: EndpointSource
    public let fetcher: any MetricsFetcher
    public let interval: Duration
    public let timeout: Duration
    /// Must be the picker's clock: a snapshot's `scrapedAt` is compared with its picks.
    public let clock: WallClock
    /// Operator messages (an endpoint went down or came back, the endpoints file changed).
    public let log: @Sendable (String) -> Void

    public init(
        table: EndpointTable, source: EndpointSource, fetcher: any MetricsFetcher, interval: Duration = .milliseconds(50),
        timeout: Duration = .seconds(1), clock: WallClock, log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.table = table
        self.source = source
        self.fetcher = fetcher
        self.interval = interval
        self.timeout = timeout
        self.clock = clock
        self.log = log
    }

    /// Scrapes until the task is cancelled; re-reads a dynamic source about once a second.
    public func run() async {
        var lastReload = clock.now()
        while !Task.isCancelled {
            let started = clock.now()
            if source.isDynamic, started.seconds - lastReload.seconds >= 1 {
                reloadSource()
                lastReload = started
            }
            await scrapeOnce()
            let spent = clock.now() - started
            try? await Task.sleep(for: max(.milliseconds(1), interval - spent))
        }
    }

    /// Re-reads the source; a source that fails keeps the old list (and says why).
    public func reloadSource() {
        do {
            let addresses = try source.load()
            let before = table.endpoints
            table.setAddresses(addresses)
            let after = table.endpoints
            if before != after { log("endpoints now: \(after.joined(separator: ", "))") }
        } catch {
            log("keeping \(table.endpoints.count) endpoints: \(error)")
        }
    }

    /// Scrapes every endpoint once, concurrently.
    public func scrapeOnce() async {
        let endpoints = table.endpoints
        await withTaskGroup(of: Void.self) { group in
            for name in endpoints {
                group.addTask { await scrape(name) }
            }
        }
    }

    private func scrape(_ name: String) async {
        let sentAt = clock.now()
        do {
            let address = try EndpointAddress(parsing: name)
            let text = try await fetcher.metrics(of: address, timeout: timeout)
            let snapshot = try ReplicaSnapshot(metrics: text, endpoint: name, scrapedAt: sentAt)
            let wasReady = table.snapshots().first { $0.endpoint == name }?.isReady ?? false
            table.record(snapshot)
            if !wasReady { log("endpoint \(name) ready") }
        } catch is CancellationError {
            return
        } catch {
            if table.markDown(name) { log("endpoint \(name) not ready: \(error)") }
        }
    }
}
