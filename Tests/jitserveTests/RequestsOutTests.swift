import Foundation
import Testing

@testable import jitserve

/// `--requests-out`: the README's script recomputes the reported goodput from the raw records.
@Suite struct RequestsOutTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/goodput_from_requests.py").path

    @Test func theScriptRecomputesWhatSimulateReports() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jitserve-requests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let jsonl = directory.appendingPathComponent("requests.jsonl").path
        let summary = directory.appendingPathComponent("summary.json").path
        // Overloaded, so that verdicts of every kind go both ways.
        let command = try SimulateCommand.parseAsRoot([
            "--workload", "paper-mix", "--rps", "4", "--duration", "30", "--seed", "7", "--scheduler", "sjf",
            "--drain", "30", "--quiet", "--requests-out", jsonl, "--json", summary,
        ]) as! SimulateCommand
        try command.run()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, jsonl, "--json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "the script found verdicts that differ from jitserve's")

        let recomputed = try #require((try JSONSerialization.jsonObject(with: output) as? [[String: Any]])?.first)
        let reported = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summary))) as? [String: Any])
        for key in ["token_goodput", "request_goodput", "slo_attainment"] {
            let a = try #require(recomputed[key] as? Double), b = try #require(reported[key] as? Double)
            #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(key): recomputed \(a), reported \(b)")
        }
        let attainment = try #require(reported["slo_attainment"] as? Double)
        #expect(attainment > 0.05 && attainment < 0.95, "the run should meet some SLOs and miss others")
        #expect(recomputed["units"] as? Int == reported["units"] as? Int)
    }
}
