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

    @Test func traceCSVsAreTokenCountRowsInFileOrder() throws {
        let azure = try write("""
            TIMESTAMP,ContextTokens,GeneratedTokens
            2023-11-16 18:17:03.9799600,4808,10
            2023-11-16 18:17:04.0319600,3180,8
            """)
        let lengths = try write("\nnum_prefill_tokens,num_decode_tokens,num_total_tokens,pd_ratio\n3772,54,3826,69.8\r\n74,918,992,0.08\n")
        defer { for path in [azure, lengths] { try? FileManager.default.removeItem(atPath: path) } }
        let a = try LengthDataset.load(path: azure).examples
        #expect(a.map(\.promptTokenCount) == [4808, 3180] && a.map(\.outputTokenCount) == [10, 8])
        #expect(a.allSatisfy { $0.promptText == nil } && a.map(\.line) == [2, 3])
        let l = try LengthDataset.load(path: lengths).examples
        #expect(l.map(\.promptTokenCount) == [3772, 74] && l.map(\.outputTokenCount) == [54, 918])
        #expect(l.map(\.line) == [3, 4])
    }

    @Test func badTraceCSVRowsNameTheirLine() throws {
        let path = try write("arrived_at,num_prefill_tokens,num_decode_tokens\n0,10,2\n1,10,0\n2,x,3\n3,4\n4,5,6\n")
        let unknown = try write("a,b,c\n1,2,3\n")
        defer { for p in [path, unknown] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(throws: PredictionError.badRow(file: path, line: 3, reason: "column 3 must be an integer ≥ 1, got '0'")) {
            try LengthDataset.load(path: path)
        }
        let (rows, skipped) = try LengthDataset.load(path: path, skipBadRows: true)
        #expect(rows.map(\.outputTokenCount) == [2, 6])
        #expect(skipped.count == 3)
        #expect(throws: PredictionError.self) { try LengthDataset.load(path: unknown) }
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
