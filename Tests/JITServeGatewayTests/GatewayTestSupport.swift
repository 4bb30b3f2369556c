import JITServeCore
import JITServeHTTP
import JITServeRouter

@testable import JITServeGateway

/// Hand-built endpoint tables and requests for the gateway's tests.
enum GatewayFixture {
    static let endpoints = ["10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000"]

    /// A table whose endpoints hold `held[i]` requests each (all ready unless listed in `down`).
    static func table(held: [Int] = [0, 0, 0], down: Set<Int> = []) throws -> EndpointTable {
        let table = EndpointTable(try endpoints.map { try EndpointAddress(parsing: $0) })
        for (i, name) in endpoints.enumerated() {
            table.record(ReplicaSnapshot(
                endpoint: name, scrapedAt: Instant(seconds: -1), isReady: !down.contains(i), waitingCount: held[i],
                runningCount: 0, kvCacheUsage: 0.1))
        }
        return table
    }

    static func picker(_ router: String = "least-loaded", table: EndpointTable) throws -> Picker {
        Picker(router: try RouterCatalog.make(router), table: table)
    }

    static let reader = RoutingRequestReader(defaultSLO: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80)))

    static func chatBody(_ extra: String = "") -> [UInt8] {
        Array(#"{"model":"m","messages":[{"role":"user","content":"Hello there, route me."}],"max_tokens":12\#(extra)}"#.utf8)
    }
}
