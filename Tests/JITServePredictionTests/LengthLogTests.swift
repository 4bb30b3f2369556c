import Foundation
import JITServeCore
import JITServePrediction
import Testing

@Suite struct LengthLogTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("length-log-\(UUID().uuidString).jsonl").path
    }

    /// Finished requests of a served model whose answer length the wording decides.
    static func records(count: Int, includesPromptText: Bool) -> [LengthLogRecord] {
        var rng = SplitMix64(seed: 3)
        return (0..<count).map { k in
            let long = k % 2 == 0
            let text = long ? "Write a detailed essay number \(k % 17) about history." : "Reply yes or no to question \(k % 13)."
            let output = long ? 500 + Int(rng.next() % 100) : 3 + Int(rng.next() % 4)
            let request = Request(id: RequestID(UInt64(k)), arrivedAt: .zero, promptTokenCount: text.utf8.count / 4,
                                  promptText: text, maxOutputTokens: 2048, slo: .deadline(ttlt: .seconds(10)), application: "chat")
            return LengthLogRecord(request: request, servedModel: "my-model", outputTokenCount: output,
                                   finishReason: .stop, finishedAt: Date(timeIntervalSince1970: 1_750_000_000 + Double(k)),
                                   includesPromptText: includesPromptText)
        }
    }

    static let configuration = QRFLengthPredictor.TrainingConfiguration(
        text: .init(treeCount: 8, minimumLeafSize: 8, featureFraction: 0.5),
        tokenCount: .init(treeCount: 4, minimumLeafSize: 16, featureFraction: 1))

    @Test(arguments: [true, false])
    func aReplayedLogTrainsAModelThatLoads(includesPromptText: Bool) throws {
        let logPath = Self.temporaryPath(), modelPath = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: logPath); try? FileManager.default.removeItem(atPath: modelPath) }
        let writer = try LengthLogWriter(path: logPath)
        for record in Self.records(count: 400, includesPromptText: includesPromptText) { try writer.append(record) }
        // Owner-only: the file holds prompts.
        let permissions = try FileManager.default.attributesOfItem(atPath: logPath)[.posixPermissions] as? Int
        #expect(permissions == 0o600)

        let (rows, skipped) = try LengthDataset.load(path: logPath)
        #expect(skipped.isEmpty && rows.count == 400)
        #expect(rows.allSatisfy { $0.servedModel == "my-model" && $0.application == "chat" && $0.finishReason == .stop })
        #expect(rows.allSatisfy { includesPromptText ? $0.promptText != nil : $0.promptText == nil && $0.promptFeatures != nil })
        let model = try QRFLengthPredictor.train(examples: rows, configuration: Self.configuration)
        try model.save(to: modelPath)
        let loaded = try QRFLengthPredictor.load(path: modelPath)
        // The loaded model has learnt the served model's lengths from the wording.
        let essay = loaded.distribution(promptText: "Write a detailed essay number 4 about history.", promptTokenCount: 11, kind: .deadline)
        let yesNo = loaded.distribution(promptText: "Reply yes or no to question 5.", promptTokenCount: 7, kind: .deadline)
        #expect(essay.upperBound(quantile: 0.5) >= 450 && yesNo.upperBound(quantile: 0.9) <= 10)
    }

    @Test func featuresTrainTheSameForestAsText() throws {
        let text = Self.records(count: 200, includesPromptText: true)
        let features = Self.records(count: 200, includesPromptText: false)
        func rows(_ records: [LengthLogRecord]) throws -> [LengthExample] {
            let path = Self.temporaryPath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let writer = try LengthLogWriter(path: path)
            for record in records { try writer.append(record) }
            return try LengthDataset.load(path: path).examples
        }
        let a = try QRFLengthPredictor.train(examples: try rows(text), configuration: Self.configuration)
        let b = try QRFLengthPredictor.train(examples: try rows(features), configuration: Self.configuration)
        #expect(a.textForest == b.textForest)
    }

    @Test func appendsAcrossWriters() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let records = Self.records(count: 4, includesPromptText: true)
        try LengthLogWriter(path: path).append(records[0])
        let writer = try LengthLogWriter(path: path)
        for record in records.dropFirst() { try writer.append(record) }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(try LengthLogRecord.decode(line: Data(lines[3].utf8)) == records[3])
    }

    @Test func onlyFinishedAnswersAreLogged() {
        #expect(LengthLogRecord.isLogged(.stop, outputTokenCount: 3))
        #expect(LengthLogRecord.isLogged(.length, outputTokenCount: 3))
        #expect(!LengthLogRecord.isLogged(.cancelled, outputTokenCount: 3))
        #expect(!LengthLogRecord.isLogged(.rejected, outputTokenCount: 0))
        #expect(!LengthLogRecord.isLogged(.stop, outputTokenCount: 0))
        #expect(!LengthLogRecord.isLogged(.length, outputTokenCount: 1, isScoringCall: true))
    }

    @Test func badLogFieldsAreNamed() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            {"prompt_tokens": 5, "output_tokens": 3, "finish_reason": "exploded"}
            {"prompt_tokens": 5, "output_tokens": 3, "prompt_features": {"version": 1, "indices": [999], "values": [1]}}
            {"prompt_tokens": 5, "output_tokens": 3, "prompt_features": {"version": 99, "indices": [], "values": []}}
            {"prompt_tokens": 5, "output_tokens": 3, "application": 7}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: PredictionError.emptyDataset(file: path)) { try LengthDataset.load(path: path, skipBadRows: true) }
        do {
            _ = try LengthDataset.load(path: path)
            Issue.record("expected a bad row")
        } catch let error as PredictionError {
            #expect(error.description.contains(":1:") && error.description.contains("finish_reason"))
        }
        var reasons: [String] = []
        for line in 2...4 {
            let single = Self.temporaryPath()
            defer { try? FileManager.default.removeItem(atPath: single) }
            let text = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")[line - 1]
            try String(text).write(toFile: single, atomically: true, encoding: .utf8)
            do { _ = try LengthDataset.load(path: single) } catch { reasons.append("\(error)") }
        }
        #expect(reasons.count == 3)
        #expect(reasons[0].contains("prompt_features") && reasons[1].contains("version 99") && reasons[2].contains("application"))
    }
}
