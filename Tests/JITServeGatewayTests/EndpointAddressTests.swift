import Foundation
import Testing

@testable import JITServeGateway

@Suite struct EndpointAddressTests {
    @Test(arguments: [
        ("10.0.0.5:8000", "10.0.0.5", 8000), ("http://127.0.0.1:9/", "127.0.0.1", 9), ("[::1]:8080", "::1", 8080),
        (" replica-0.svc:80 ", "replica-0.svc", 80),
    ])
    func parses(text: String, host: String, port: Int) throws {
        let address = try EndpointAddress(parsing: text)
        #expect(address.host == host)
        #expect(address.port == port)
        // The picker's name for it reads back as itself.
        #expect(try EndpointAddress(parsing: address.description) == address)
    }

    @Test(arguments: ["10.0.0.5", "10.0.0.5:0", "10.0.0.5:70000", ":80", "https://a:1", "http://a:1/v1", "::1:80", "[::1]80"])
    func refuses(text: String) {
        #expect(throws: GatewayError.self) { try EndpointAddress(parsing: text) }
    }

    @Test func listsSkipCommentsBlanksAndDuplicates() throws {
        let list = try EndpointAddress.parseList("# replicas\n10.0.0.1:8000, 10.0.0.2:8000\n\n10.0.0.1:8000 # again\n[fd00::3]:8000\n")
        #expect(list.map(\.description) == ["10.0.0.1:8000", "10.0.0.2:8000", "[fd00::3]:8000"])
    }

    @Test func aFileSourceIsReReadAndAnEmptyOneRefused() throws {
        let path = "/tmp/jitserve-endpoints-\(UInt32.random(in: 0...UInt32.max)).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "127.0.0.1:1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let source = EndpointSource.file(path: path)
        #expect(try source.load().map(\.description) == ["127.0.0.1:1"])
        try "127.0.0.1:1,127.0.0.1:2\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try source.load().count == 2)
        try "# nothing\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: GatewayError.noEndpoints(source: source.description)) { try source.load() }
        #expect(throws: GatewayError.self) { try EndpointSource.file(path: path + ".missing").load() }
    }

    @Test func dnsResolvesLocalhost() throws {
        let addresses = try EndpointSource.dns(host: "localhost", port: 8000).load()
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { $0.port == 8000 && ($0.host == "127.0.0.1" || $0.host == "::1") })
    }
}
