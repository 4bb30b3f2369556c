import Foundation
import JITServeHTTP
import JITServeHTTPClient
import JITServePrediction

@testable import jitserve

/// `jitserve serve`, parsed from its command line and run in the test process on a free
/// loopback port, built exactly as the command builds it.
final class ServedJITServe: Sendable {
    let server: OpenAIServer
    let backend: ServingBackend
    let lengthLog: LengthLogQueue?
    let port: Int
    let client = NIOHTTPClient()
    private let finished: Task<Void, any Error>
    private let trigger: AsyncStream<Void>.Continuation

    private init(
        server: OpenAIServer, backend: ServingBackend, lengthLog: LengthLogQueue?, port: Int,
        finished: Task<Void, any Error>, trigger: AsyncStream<Void>.Continuation
    ) {
        self.server = server
        self.backend = backend
        self.lengthLog = lengthLog
        self.port = port
        self.finished = finished
        self.trigger = trigger
    }

    static func start(_ arguments: [String]) async throws -> ServedJITServe {
        let command = try ServeCommand.parseAsRoot(["--port", "0", "--host", "127.0.0.1"] + arguments) as! ServeCommand
        let server = OpenAIServer(configuration: try command.serverConfiguration())
        let lengthLog = try command.makeLengthLog()
        let backend = try command.makeBackend(metrics: server.metrics, workflows: server.workflows, lengthLog: lengthLog)
        server.install(backend)
        let (stopped, trigger) = AsyncStream<Void>.makeStream()
        let finished = Task {
            try await server.run(handleSignals: false) {
                var iterator = stopped.makeAsyncIterator()
                _ = await iterator.next()
            }
        }
        while server.boundPort == 0 { try await Task.sleep(for: .milliseconds(10)) }
        return ServedJITServe(
            server: server, backend: backend, lengthLog: lengthLog, port: server.boundPort, finished: finished, trigger: trigger)
    }

    var url: ServerURL { ServerURL(host: "127.0.0.1", port: port) }

    /// POSTs `body` (JSON) to `path`; returns the status and the parsed JSON answer.
    func post(_ path: String, _ body: [String: Any], headers: [(name: String, value: String)] = []) async throws
        -> (status: Int, json: [String: Any])
    {
        let bytes = Array(try JSONSerialization.data(withJSONObject: body))
        let request = url.request("POST", path, headers: [("Content-Type", "application/json")] + headers, body: bytes)
        let response = try await client.send(request, timeout: .seconds(60))
        let (answer, _) = try await response.collect()
        return (response.status, (try? JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any]) ?? [:])
    }

    /// The `/metrics` sample of `name` with `label` (e.g. `map="calls"`).
    func metric(_ name: String, label: String) async throws -> Double? {
        let response = try await client.send(url.request("GET", "/metrics"), timeout: .seconds(10))
        let text = String(decoding: try await response.collect().bytes, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") && line.contains(label) {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    func stop() async {
        trigger.yield(())
        _ = try? await finished.value
        await client.shutdown()
    }
}
