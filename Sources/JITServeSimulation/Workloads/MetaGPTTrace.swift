import JITServeCore

/// MetaGPT multi-agent workflows from the Parrot artifact's call log
/// (`metagpt_calls_summary.csv`: one real run of "write a deep-learning framework like PyTorch").
///
/// **Shape.** Each `round` is a stage: round 0 is the architect's single call; each later round
/// makes one call per source file (8), alternating engineer and reviewer, and every call's prompt
/// holds the whole codebase of the round before — a barrier. Token counts are the real per-call
/// `usage` figures. The gaps between `created_unix` stamps mix GPT-4's own latency with agent
/// time and cannot be separated, so `delayBefore` stays zero.
///
/// **Variants.** There is one real run. `resample` derives more by a per-round bootstrap: each
/// call's output length is drawn with replacement from the real output lengths of *its own
/// round*; prompt lengths stay as logged (they are the shared codebase, equal to ±1 token across
/// a round). The round structure and the architect's call are therefore those of the real run.
public enum MetaGPTTrace {
    /// Application label of the workflows.
    public static let application = "metagpt"

    /// The logged run(s), one workflow each (the shipped file holds one, with ID 0).
    /// A `run` column, if present, separates runs; otherwise the file is one run.
    public static func load(path: String) throws -> [WorkflowSpec] {
        try parse(CSVTable.load(path: path))
    }

    public static func parse(_ text: String, source: String) throws -> [WorkflowSpec] {
        try parse(CSVTable(text: text, source: source))
    }

    static func parse(_ table: CSVTable) throws -> [WorkflowSpec] {
        let roundColumn = try table.column("round")
        let promptColumn = try table.column("prompt_tokens")
        let completionColumn = try table.column("completion_tokens")
        let runColumn = table.header.firstIndex(of: "run")
        var runs: [(id: Int, rounds: [Int: [WorkflowSpec.Call]], firstLine: Int)] = []
        var position: [Int: Int] = [:]
        try table.forEachRow { row in
            let run = try runColumn.map { try row.int($0, in: 0...Int.max) } ?? 0
            let round = try row.int(roundColumn, in: 0...10_000)
            let call = WorkflowSpec.Call(
                promptTokenCount: try row.int(promptColumn, in: 1...Int.max),
                outputTokenCount: try row.int(completionColumn, in: 1...Int.max))
            if position[run] == nil {
                position[run] = runs.count
                runs.append((run, [:], row.line))
            }
            runs[position[run]!].rounds[round, default: []].append(call)
        }
        guard !runs.isEmpty else { throw SimulationError.emptyFile(path: table.source) }
        return try runs.map { run in
            let rounds = run.rounds.keys.sorted()
            // A missing round would silently merge two barriers' worth of work into one.
            guard rounds == Array(0..<rounds.count) else {
                throw SimulationError.malformedRow(
                    file: table.source, line: run.firstLine,
                    reason: "run \(run.id): rounds must be numbered 0, 1, 2, … without gaps, found \(rounds)")
            }
            let stages = rounds.map { WorkflowSpec.Stage(calls: run.rounds[$0]!) }
            return WorkflowSpec(id: WorkflowID(UInt64(run.id)), application: application, stages: stages)
        }
    }

    /// A variant of `spec` by the per-round bootstrap described above, with the given ID.
    public static func resample(
        _ spec: WorkflowSpec, id: WorkflowID, using generator: inout SplitMix64
    ) -> WorkflowSpec {
        var variant = WorkflowSpec(id: id, application: spec.application, stages: spec.stages)
        for s in variant.stages.indices {
            let outputs = spec.stages[s].calls.map(\.outputTokenCount)
            for c in variant.stages[s].calls.indices {
                variant.stages[s].calls[c].outputTokenCount = outputs[generator.nextInt(below: outputs.count)]
            }
        }
        return variant
    }

    /// `count` variants of `spec`, IDs 0..<count, from one seed.
    public static func variants(of spec: WorkflowSpec, count: Int, seed: UInt64) -> [WorkflowSpec] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { resample(spec, id: WorkflowID(UInt64($0)), using: &generator) }
    }
}
