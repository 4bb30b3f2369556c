#if canImport(Glibc)
import Glibc
#endif
import JITServeHTTPClient
import Testing

/// The client's failure paths, against sockets that misbehave on purpose.
@Suite struct NIOHTTPClientTests {
    /// A loopback socket that listens (connections complete) but never answers.
    func silentListener() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        listen(fd, 16)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let (fd, port) = try silentListener()
        defer { close(fd) }
        let client = NIOHTTPClient()
        let started = ContinuousClock.now
        await #expect(throws: HTTPClientError.timedOut(.milliseconds(300))) {
            _ = try await client.send(HTTPClientRequest(host: "127.0.0.1", port: port, path: "/"), timeout: .milliseconds(300))
        }
        // A hang guard, not a speed check: the error above already names the 300 ms timeout.
        // On a loaded 2-core machine (parallel tests beside benchmarks) the wake-up took 21 s.
        #expect(ContinuousClock.now - started < .seconds(60))
        await client.shutdown()
    }

    @Test func cancellingTheCallerEndsTheWait() async throws {
        let (fd, port) = try silentListener()
        defer { close(fd) }
        let client = NIOHTTPClient()
        let task = Task { try await client.send(HTTPClientRequest(host: "127.0.0.1", port: port, path: "/"), timeout: nil) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let outcome = await task.result
        #expect(throws: (any Error).self) { try outcome.get() }
        await client.shutdown()
    }

    @Test func aClosedPortFailsToConnect() async throws {
        let (fd, port) = try silentListener()
        close(fd)  // nothing listens there now
        let client = NIOHTTPClient()
        await #expect(throws: HTTPClientError.self) {
            _ = try await client.send(HTTPClientRequest(host: "127.0.0.1", port: port, path: "/"), timeout: .seconds(5))
        }
        await client.shutdown()
    }
}
