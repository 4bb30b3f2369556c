import JITServeCore
import Synchronization
import Testing

@testable import JITServeGateway

@Suite struct MetricsScraperTests {
    /// Answers each endpoint's scrape from a table the test changes; an endpoint without an
    /// entry refuses, as a dead replica does.
    final class CannedFetcher: MetricsFetcher {
        let texts = Mutex<[String: String]>([:])
        func metrics(of endpoint: EndpointAddress, timeout: Duration) async throws -> String {
            guard let text = texts.withLock({ $0[endpoint.description] }) else { throw Refused() }
            return text
        }
        struct Refused: Error {}
    }

    static func text(waiting: Int, running: Int) -> String {
        """
        # HELP vllm:num_requests_waiting Requests waiting.
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{model_name="m"} \(waiting)
        vllm:num_requests_running{model_name="m"} \(running)
        vllm:kv_cache_usage_perc{model_name="m"} 0.25
        """
    }

    @Test func snapshotsFollowTheScrapesAndAFailedScrapeMarksNotReady() async throws {
        let addresses = try EndpointAddress.parseList("127.0.0.1:1,127.0.0.1:2")
        let table = EndpointTable(addresses)
        let fetcher = CannedFetcher()
        let logged = Mutex<[String]>([])
        let scraper = MetricsScraper(
            table: table, source: .fixed(addresses), fetcher: fetcher, clock: WallClock(),
            log: { line in logged.withLock { $0.append(line) } })
        #expect(table.readyCount == 0, "nothing is ready before its first scrape")
        fetcher.texts.withLock { $0 = ["127.0.0.1:1": Self.text(waiting: 4, running: 2), "127.0.0.1:2": Self.text(waiting: 0, running: 1)] }
        await scraper.scrapeOnce()
        let first = table.snapshots()
        #expect(first.map(\.isReady) == [true, true])
        #expect(first.map(\.waitingCount) == [4, 0])
        #expect(first.map(\.runningCount) == [2, 1])
        // The first replica dies; then a broken /metrics on the second.
        fetcher.texts.withLock { $0 = ["127.0.0.1:2": "vllm:num_requests_running 1\n"] }
        await scraper.scrapeOnce()
        #expect(table.snapshots().map(\.isReady) == [false, false])
        #expect(table.snapshots()[0].waitingCount == 4, "the last figures are kept")
        fetcher.texts.withLock { $0 = ["127.0.0.1:1": Self.text(waiting: 0, running: 0)] }
        await scraper.scrapeOnce()
        #expect(table.snapshots().map(\.isReady) == [true, false])
        let lines = logged.withLock { $0 }
        #expect(lines.contains { $0.contains("127.0.0.1:1 not ready") })
        #expect(lines.contains { $0.contains("127.0.0.1:2 not ready") && $0.contains("vllm:num_requests_waiting") })
    }

    @Test func aReReadListKeepsKnownEndpointsAndAddsNewOnesNotReady() throws {
        let table = EndpointTable(try EndpointAddress.parseList("127.0.0.1:1"))
        table.record(.init(endpoint: "127.0.0.1:1", scrapedAt: .zero, waitingCount: 3, runningCount: 0, kvCacheUsage: 0))
        table.setAddresses(try EndpointAddress.parseList("127.0.0.1:2,127.0.0.1:1"))
        #expect(table.endpoints == ["127.0.0.1:2", "127.0.0.1:1"])
        #expect(table.snapshots().map(\.isReady) == [false, true])
        #expect(table.snapshots()[1].waitingCount == 3)
    }
}
