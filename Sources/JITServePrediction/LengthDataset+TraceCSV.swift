import Foundation

/// Request traces as length rows: the CSV files `simulate --workload PATH` replays (Azure 2023
/// `ContextTokens,GeneratedTokens`; vidur's `num_prefill_tokens,num_decode_tokens`, with or
/// without `arrived_at`), read in file order as token-count-only rows, so `predictor eval
/// --online` and `predictor train` take the same files the simulator does.
extension LengthDataset {
    /// The length columns a trace header names, if it is one: (prompt, output).
    static func traceColumns(ofHeader header: [String]) -> (prompt: Int, output: Int)? {
        for (prompt, output) in [("ContextTokens", "GeneratedTokens"), ("num_prefill_tokens", "num_decode_tokens")] {
            if let p = header.firstIndex(of: prompt), let o = header.firstIndex(of: output) { return (p, o) }
        }
        return nil
    }

    /// The rows of a trace CSV whose header (`lines[headerIndex]`) `traceColumns` recognised; a
    /// row with an unreadable or impossible count is a bad row.
    static func parseTraceCSV(
        lines: [Substring], headerIndex: Int, columns: (prompt: Int, output: Int), width: Int, file: String,
        skipBadRows: Bool
    ) throws -> (examples: [LengthExample], skipped: [PredictionError]) {
        var examples: [LengthExample] = []
        var skipped: [PredictionError] = []
        examples.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated().dropFirst(headerIndex + 1) {
            let lineNumber = index + 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            do {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                guard fields.count == width else {
                    throw PredictionError.badRow(
                        file: file, line: lineNumber, reason: "\(fields.count) fields, the header has \(width)")
                }
                func count(_ column: Int, atLeast minimum: Int) throws -> Int {
                    guard let value = Int(fields[column]), value >= minimum else {
                        throw PredictionError.badRow(
                            file: file, line: lineNumber,
                            reason: "column \(column + 1) must be an integer ≥ \(minimum), got '\(fields[column])'")
                    }
                    return value
                }
                let prompt = try count(columns.prompt, atLeast: 0)
                let output = try count(columns.output, atLeast: 1)
                examples.append(LengthExample(
                    promptText: nil, promptTokenCount: prompt, outputTokenCount: output, line: lineNumber))
            } catch let error as PredictionError where skipBadRows {
                skipped.append(error)
            }
        }
        guard !examples.isEmpty else { throw PredictionError.emptyDataset(file: file) }
        return (examples, skipped)
    }
}
