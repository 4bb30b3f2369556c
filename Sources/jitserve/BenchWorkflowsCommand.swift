import ArgumentParser
import Foundation
import JITServeHTTPClient

/// `jitserve bench workflows --url URL`: does a server's workflow state stay bounded? Sends
/// many small workflows with their last calls marked final, then as many without, and reads
/// the server's own gauges (`/metrics`) after each: its workflow map sizes and resident memory.
struct BenchWorkflowsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflows",
        abstract: "Send many workflows through a jitserve and read its workflow maps and memory from /metrics.",
        discussion: """
            Phase 1 sends --workflows workflows whose last calls carry x-workflow-final: true; \
            phase 2 as many without it, which the server may only forget once they are idle past \
            their deadline (serve --workflow-idle-timeout). After each phase it prints the \
            jitserve:workflow_map_entries gauges (the engine's calls, estimates and service_tokens \
            maps, the server's workflow names) and process_resident_memory_bytes; after phase 2 it \
            waits until the maps are back where phase 1 left them (or --expiry-wait runs out).
            """
    )

    @Option(help: "The jitserve, http://host:port.")
    var url: String
    @Option(help: "Workflows per phase.")
    var workflows = 10_000
    @Option(help: "Stages per workflow.")
    var stages = 2
    @Option(help: "Calls per stage.")
    var callsPerStage = 2
    @Option(help: "Workflow deadline, ms.")
    var deadlineMs = 2000
    @Option(help: "Workflows in flight at once.")
    var concurrency = 64
    @Option(help: "Seconds to wait after phase 2 for idle workflows to expire.")
    var expiryWait = 120.0

    func validate() throws {
        _ = try ServerURL(parsing: url)
        guard workflows >= 1, stages >= 1, callsPerStage >= 1, concurrency >= 1, deadlineMs >= 1 else {
            throw ValidationError("--workflows, --stages, --calls-per-stage, --concurrency and --deadline-ms must be at least 1")
        }
    }

    func run() async throws {
        let server = try ServerURL(parsing: url)
        let client = NIOHTTPClient()
        defer { Task { await client.shutdown() } }
        let tag = UInt32.random(in: .min ... .max)
        let before = try await gauges(server, client)
        print("before:                     \(before)")
        for (phase, final) in [("with final", true), ("without final", false)] {
            let started = ContinuousClock.now
            let failures = try await send(phase: "\(tag)-\(final ? "f" : "n")", final: final, server: server, client: client)
            let seconds = (ContinuousClock.now - started).seconds
            let after = try await gauges(server, client)
            print(String(format: "after %5d %@ (%.0f s, %d failed calls): %@", workflows, phase.padding(toLength: 13, withPad: " ", startingAt: 0), seconds, failures, after.description))
        }
        let deadline = ContinuousClock.now + .seconds(expiryWait)
        var last = try await gauges(server, client)
        while last.workflowEntries.contains(where: { $0 > before.workflowEntries.max() ?? 0 }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            last = try await gauges(server, client)
        }
        print("after idle expiry:          \(last)")
    }

    /// Sends every workflow of a phase, `concurrency` at a time; returns the calls that failed.
    private func send(phase: String, final: Bool, server: ServerURL, client: NIOHTTPClient) async throws -> Int {
        let body = Array(#"{"prompt": [1, 2, 3, 4, 5, 6, 7, 8], "max_tokens": 2, "ignore_eos": true}"#.utf8)
        let stages = stages, calls = callsPerStage, deadline = deadlineMs
        return await withTaskGroup(of: Int.self) { group in
            var next = 0, failures = 0
            func launch(_ i: Int) {
                group.addTask {
                    var failed = 0
                    for stage in 0..<stages {
                        var headers: [(name: String, value: String)] = [
                            ("Content-Type", "application/json"), ("x-workflow-id", "mem-\(phase)-\(i)"),
                            ("x-workflow-stage", String(stage)), ("x-slo-deadline-ms", String(deadline)),
                        ]
                        if final && stage == stages - 1 { headers.append(("x-workflow-final", "true")) }
                        let request = server.request("POST", "/v1/completions", headers: headers, body: body)
                        failed += await withTaskGroup(of: Int.self) { callGroup in
                            for _ in 0..<calls {
                                callGroup.addTask {
                                    guard let (status, _) = try? await client.exchange(request, timeout: .seconds(60)) else { return 1 }
                                    return status == 200 ? 0 : 1
                                }
                            }
                            return await callGroup.reduce(0, +)
                        }
                    }
                    return failed
                }
            }
            while next < min(concurrency, workflows) { launch(next); next += 1 }
            while let failed = await group.next() {
                failures += failed
                if next < workflows { launch(next); next += 1 }
            }
            return failures
        }
    }

    struct Gauges: CustomStringConvertible {
        var workflowEntries: [Double]
        var residentBytes: Double?

        var description: String {
            let maps = zip(["calls", "estimates", "service_tokens", "names"], workflowEntries).map { "\($0) \(Int($1))" }
            let rss = residentBytes.map { String(format: "%.1f MiB", $0 / 1_048_576) } ?? "n/a"
            return "workflow maps: " + maps.joined(separator: ", ") + " · resident memory \(rss)"
        }
    }

    /// The server's workflow map gauges and resident memory, from `/metrics`.
    private func gauges(_ server: ServerURL, _ client: NIOHTTPClient) async throws -> Gauges {
        let (status, bytes) = try await client.exchange(server.request("GET", "/metrics"), timeout: .seconds(30))
        guard status == 200 else { throw ValidationError("GET /metrics answered \(status)") }
        let text = String(decoding: bytes, as: UTF8.self)
        func sample(_ prefix: String, _ label: String?) -> Double? {
            for line in text.split(separator: "\n") where line.hasPrefix(prefix) && (label.map { line.contains($0) } ?? true) {
                return line.split(separator: " ").last.flatMap { Double($0) }
            }
            return nil
        }
        let entries = ["calls", "estimates", "service_tokens", "names"].map {
            sample("jitserve:workflow_map_entries{", "map=\"\($0)\"") ?? .nan
        }
        return Gauges(workflowEntries: entries, residentBytes: sample("process_resident_memory_bytes", nil))
    }
}
