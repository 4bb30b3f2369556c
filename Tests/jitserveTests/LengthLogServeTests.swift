import Foundation
import Testing

@testable import jitserve

/// `serve --length-log`: a served request leaves a line that `predictor train` learns from.
@Suite struct LengthLogServeTests {
    @Test func servedRequestsLeaveLinesThatTrainingAccepts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jitserve-lengthlog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("lengths.jsonl").path
        let served = try await ServedJITServe.start(["--executor", "echo", "--length-log", log, "--echo-stop-after", "5"])
        let prompts = ["What is the capital of France?", "Write a haiku about rain.", "List three prime numbers."]
        for prompt in prompts {
            let (status, _) = try await served.post(
                "/v1/chat/completions", ["messages": [["role": "user", "content": prompt]], "max_tokens": 16])
            #expect(status == 200)
        }
        await served.stop()
        served.lengthLog?.flush()
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == prompts.count)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["prompt"] as? String == prompts[0])
        #expect(first["output_tokens"] as? Int == 5)
        #expect(first["finish_reason"] as? String == "stop")
        // The owner alone may read it: it holds prompts.
        let permissions = try FileManager.default.attributesOfItem(atPath: log)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let model = directory.appendingPathComponent("mine.qrf").path
        let train = try PredictorCommand.Train.parseAsRoot(
            ["--data", log, "--out", model, "--split", "all", "--trees", "2", "--min-leaf", "1"]) as! PredictorCommand.Train
        try await train.run()
        #expect(FileManager.default.fileExists(atPath: model))
    }
}
