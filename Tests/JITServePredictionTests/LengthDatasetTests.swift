import Foundation
import JITServeCore
import JITServePrediction
import Testing

@Suite struct LengthDatasetTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rows-\(UUID().uuidString).jsonl").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsBothSchemas() throws {
        let path = try write("""
            {"prompt": "hello there", "output_tokens": 12}
            {"conv_id": "abc_0", "prompt": "hi", "prompt_tokens_llama3": 3, "response_tokens_llama3": 40, "response": "…"}

            {"prompt_tokens": 100, "output_tokens": 7, "slo_kind": "latency"}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (rows, skipped) = try LengthDataset.load(path: path)
        #expect(skipped.isEmpty)
        #expect(rows.count == 3)
        #expect(rows[0].outputTokenCount == 12 && rows[0].promptTokenCount == 3 && rows[0].line == 1)
        #expect(rows[1].id == "abc_0" && rows[1].promptTokenCount == 3 && rows[1].outputTokenCount == 40)
        #expect(rows[2].promptText == nil && rows[2].kind == .latency && rows[2].line == 4)
    }

    @Test func badRowNamesItsLine() throws {
        let path = try write("""
            {"prompt": "fine", "output_tokens": 5}
            {"prompt": "fine too", "output_tokens": 6}
            {"prompt": "missing length"}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try LengthDataset.load(path: path)
            Issue.record("expected a bad-row error")
        } catch let error as PredictionError {
            guard case .badRow(let file, let line, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(file == path && line == 3)
            #expect(error.description.contains(":3:"))
        }
    }

    @Test func malformedValuesAreBadRows() throws {
        let cases = [
            "not json", "[1, 2]", #"{"prompt": "x", "output_tokens": "12"}"#, #"{"prompt": "x", "output_tokens": 0}"#,
            #"{"prompt": "x", "output_tokens": 2.5}"#, #"{"prompt": 3, "output_tokens": 2}"#, #"{"output_tokens": 2}"#,
            #"{"prompt": "x", "output_tokens": true}"#, #"{"prompt": "x", "output_tokens": 2, "slo_kind": "fast"}"#,
        ]
        for (k, text) in cases.enumerated() {
            let path = try write(#"{"prompt": "ok", "output_tokens": 1}"# + "\n" + text + "\n")
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: PredictionError.self, "case \(k): \(text)") { try LengthDataset.load(path: path) }
            let (rows, skipped) = try LengthDataset.load(path: path, skipBadRows: true)
            #expect(rows.count == 1 && skipped.count == 1)
        }
    }

    @Test func splitFollowsTheHashRule() {
        let rows = (0..<200).map { LengthExample(id: "c\($0)", promptText: "p", promptTokenCount: 1, outputTokenCount: 1) }
        let test = LengthDatasetSplit.test.select(rows)
        let train = LengthDatasetSplit.train.select(rows)
        #expect(test.count + train.count == rows.count)
        #expect(test.allSatisfy { FNV1a.hash64($0.id!) % 10 == 0 })
        #expect(Set(test.map(\.id)).isDisjoint(with: Set(train.map(\.id))))
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: PredictionError.self) { try LengthDataset.load(path: "/nonexistent/rows.jsonl") }
    }
}
