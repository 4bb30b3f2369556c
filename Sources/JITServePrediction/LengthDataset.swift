import Foundation
import JITServeCore

/// Reads prompt/response-length rows from JSONL, or from a request trace CSV (`+TraceCSV`).
///
/// Accepted per line (a JSON object): `prompt` (string) and `output_tokens` (integer ≥ 1), or the
/// ShareGPT extract's `prompt`, `response_tokens_llama3`, `prompt_tokens_llama3`, `conv_id`.
/// Optional: `prompt_tokens`, `id`/`conv_id`, `slo_kind` (`latency`/`deadline`/`compound`),
/// and the length log's fields (`LengthLogRecord`): `application`, `served_model`,
/// `finish_reason`, `prompt_features` (used by training in place of `prompt`).
/// A row without `prompt` must give a prompt token count. Blank lines are skipped. When no
/// prompt token count is given it is estimated as ⌈UTF-8 bytes / 4⌉.
public enum LengthDataset {
    /// The rows of `path`. A bad row throws `PredictionError.badRow` naming its line, unless
    /// `skipBadRows`, in which case it is left out and listed in `skipped`.
    public static func load(path: String, skipBadRows: Bool = false) throws -> (examples: [LengthExample], skipped: [PredictionError]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PredictionError.io(path: path, reason: "cannot read file")
        }
        // A trace CSV (Azure 2023 or vidur) is told by its header; everything else is JSONL.
        if let first = data.first(where: { $0 != 32 && $0 != 9 && $0 != 13 && $0 != 10 }), first != UInt8(ascii: "{") {
            let text = String(decoding: data, as: UTF8.self)
            // By Character: "\r\n" is one Character, which a split on "\n" would not cut.
            let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            let headerIndex = lines.firstIndex { !$0.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } } ?? 0
            let header = lines[headerIndex].split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let columns = traceColumns(ofHeader: header) {
                return try parseTraceCSV(
                    lines: lines, headerIndex: headerIndex, columns: columns, width: header.count, file: path,
                    skipBadRows: skipBadRows)
            }
            if !skipBadRows {
                throw PredictionError.badRow(
                    file: path, line: headerIndex + 1,
                    reason: "neither JSONL rows (one JSON object per line) nor a trace CSV header "
                        + "(ContextTokens,GeneratedTokens or num_prefill_tokens,num_decode_tokens)")
            }
        }
        var examples: [LengthExample] = []
        var skipped: [PredictionError] = []
        var lineNumber = 0
        for rawLine in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if rawLine.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            do {
                examples.append(try parse(Data(rawLine), file: path, line: lineNumber))
            } catch let error as PredictionError where skipBadRows {
                skipped.append(error)
            }
        }
        guard !examples.isEmpty else { throw PredictionError.emptyDataset(file: path) }
        return (examples, skipped)
    }

    /// The dense text features of a length log's `prompt_features` object.
    static func promptFeatures(_ value: Any, bad: (String) -> PredictionError) throws -> [Float] {
        guard let object = value as? [String: Any],
              let version = (object["version"] as? NSNumber)?.intValue,
              let indices = object["indices"] as? [NSNumber], let values = object["values"] as? [NSNumber] else {
            throw bad("field prompt_features must be an object with version, indices and values")
        }
        guard version == Int(QRFLengthPredictor.featurizerVersion) else {
            throw bad("prompt_features has featurizer version \(version); this jitserve reads version \(QRFLengthPredictor.featurizerVersion)")
        }
        let sparse = LengthLogRecord.Features(
            version: UInt32(version), indices: indices.map(\.intValue), values: values.map(\.floatValue))
        guard let dense = sparse.dense(count: PromptFeaturizer.featureCount(.text)) else {
            throw bad("prompt_features: indices and values must pair up, each index in 0..<\(PromptFeaturizer.featureCount(.text))")
        }
        return dense
    }

    static func parse(_ line: Data, file: String, line lineNumber: Int) throws -> LengthExample {
        func bad(_ reason: String) -> PredictionError { .badRow(file: file, line: lineNumber, reason: reason) }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: line)
        } catch {
            throw bad("not valid JSON")
        }
        guard let row = object as? [String: Any] else { throw bad("not a JSON object") }
        func integer(_ keys: [String]) throws -> Int? {
            for key in keys {
                guard let value = row[key], !(value is NSNull) else { continue }
                // JSON true/false arrive as NSNumber too; their ObjC type is char ("c") or "B".
                if let number = value as? NSNumber, !["c", "B"].contains(String(cString: number.objCType)),
                   let int = Int(exactly: number.doubleValue) {
                    return int
                }
                throw bad("field \(key) must be an integer, got \(value)")
            }
            return nil
        }
        var prompt: String?
        if let value = row["prompt"], !(value is NSNull) {
            guard let text = value as? String else { throw bad("field prompt must be a string") }
            prompt = text
        }
        guard let output = try integer(["output_tokens", "response_tokens_llama3"]) else {
            throw bad("missing output_tokens (or response_tokens_llama3)")
        }
        guard output >= 1 else { throw bad("output_tokens must be ≥ 1, got \(output)") }
        var promptTokens = try integer(["prompt_tokens", "prompt_tokens_llama3"])
        if let count = promptTokens, count < 0 { throw bad("prompt_tokens must be ≥ 0, got \(count)") }
        if promptTokens == nil {
            guard let prompt else { throw bad("missing prompt (or prompt_tokens)") }
            promptTokens = (prompt.utf8.count + 3) / 4
        }
        var kind: SLOKind?
        if let value = row["slo_kind"], !(value is NSNull) {
            guard let text = value as? String, let parsed = SLOKind(rawValue: text) else {
                throw bad("field slo_kind must be one of latency, deadline, compound")
            }
            kind = parsed
        }
        var id: String?
        for key in ["conv_id", "id"] {
            if let text = row[key] as? String { id = text; break }
            if let number = row[key] as? NSNumber { id = number.stringValue; break }
        }
        func string(_ key: String) throws -> String? {
            guard let value = row[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else { throw bad("field \(key) must be a string") }
            return text
        }
        var finishReason: FinishReason?
        if let text = try string("finish_reason") {
            guard let reason = FinishReason(rawValue: text) else {
                throw bad("field finish_reason must be one of stop, length, got \(text)")
            }
            finishReason = reason
        }
        var features: [Float]?
        if let value = row["prompt_features"], !(value is NSNull) {
            features = try promptFeatures(value, bad: bad)
        }
        return LengthExample(
            id: id, promptText: prompt, promptTokenCount: promptTokens!, outputTokenCount: output,
            kind: kind, application: try string("application"), servedModel: try string("served_model"),
            finishReason: finishReason, promptFeatures: features, line: lineNumber)
    }
}
