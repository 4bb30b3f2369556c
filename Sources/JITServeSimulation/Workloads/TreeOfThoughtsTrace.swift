import JITServeCore

/// Tree-of-Thoughts (Game of 24, GPT-4, BFS breadth 5, 4 steps) workflows from the per-step
/// summary of the real run logs (`tot_game24_calls_summary.csv`, or the shipped
/// `tot_game24_calls_summary_api.csv`, which adds `n_value_api_calls`).
///
/// **Shape.** Each BFS step is two stages: its propose calls (`n_propose_calls`, one per state
/// kept from the step before), then its value calls (one per new candidate; a value call needs the
/// proposals, so it waits for them). A stage with no calls is dropped, so a task has up to eight.
///
/// **Which value calls.** `n_value_calls` counts candidates, not requests: ToT skips a candidate
/// repeated within a step and answers a repeated value prompt from a cache that spans the whole
/// run. When the file has `n_value_api_calls` — the calls that really reached the API, found by
/// replaying that cache over the logged candidates (scripts/derive_workload_data.py) — it is
/// used; otherwise every candidate counts as a call (which overstates the calls about 2.8-fold).
///
/// **Per-call tokens.** The log records only each task's prompt and completion totals. They are
/// split across the task's calls in proportion to per-kind weights, then rounded by largest
/// remainder so each task's totals are exact. The weights are a least-squares fit, over the 100
/// tasks, of the totals against the propose and real value call counts: prompt = 203.7 per
/// propose + 360.5 per value call (R² 0.996), completion = 40.1 per propose + 164.2 per value
/// call (R² 0.908). They agree with the prompts' text: ToT's value prompt (eight worked examples)
/// is longer than its propose prompt (one), and a value call returns three sampled verdicts
/// (`n = 3`, counted here as one call's output).
public enum TreeOfThoughtsTrace {
    /// Application label of the workflows.
    public static let application = "tot"

    /// Prompt weights (propose, value) and completion weights (propose, value): tokens per call
    /// fitted as described above.
    public static let promptWeights = (propose: 203.7, value: 360.5)
    public static let completionWeights = (propose: 40.1, value: 164.2)

    /// One workflow per task, in file order; a workflow's ID is its `task_idx`.
    public static func load(path: String) throws -> [WorkflowSpec] {
        try parse(CSVTable.load(path: path))
    }

    public static func parse(_ text: String, source: String) throws -> [WorkflowSpec] {
        try parse(CSVTable(text: text, source: source))
    }

    private struct Step {
        var index: Int
        var proposeCalls: Int
        var valueCalls: Int
    }

    private struct Task {
        var id: Int
        var firstLine: Int
        var promptTokens: Int
        var completionTokens: Int
        var steps: [Step] = []
    }

    static func parse(_ table: CSVTable) throws -> [WorkflowSpec] {
        try parseTasks(table).map { task in
            WorkflowSpec(id: WorkflowID(UInt64(task.id)), application: application,
                         stages: task.stages.map { WorkflowSpec.Stage(calls: $0.calls) })
        }
    }

    /// One task's calls by kind: what a recipe that keeps ToT's call sizes but not its search
    /// breadth (the reference artifact's 3 thoughts × 2 rounds) draws from.
    public struct TaskCalls: Sendable {
        public var id: Int
        /// Calls that propose next thoughts (the "generate" calls).
        public var propose: [WorkflowSpec.Call]
        /// Calls that value candidate thoughts.
        public var value: [WorkflowSpec.Call]

        public init(id: Int, propose: [WorkflowSpec.Call], value: [WorkflowSpec.Call]) {
            self.id = id
            self.propose = propose
            self.value = value
        }
    }

    /// Every task's propose and value calls, with the per-call lengths `load` gives them.
    public static func loadCalls(path: String) throws -> [TaskCalls] {
        try parseTasks(CSVTable.load(path: path)).map { task in
            TaskCalls(id: task.id, propose: task.stages.filter { !$0.isValue }.flatMap(\.calls),
                      value: task.stages.filter(\.isValue).flatMap(\.calls))
        }
    }

    /// Tasks in file order, each as its non-empty stages (propose or value) with per-call lengths.
    private static func parseTasks(_ table: CSVTable) throws -> [(id: Int, stages: [(isValue: Bool, calls: [WorkflowSpec.Call])])] {
        let taskColumn = try table.column("task_idx")
        let stepColumn = try table.column("step")
        let proposeColumn = try table.column("n_propose_calls")
        let valueColumn = try table.column("n_value_calls")
        let promptColumn = try table.column("task_prompt_tokens")
        let completionColumn = try table.column("task_completion_tokens")
        let apiCallColumn = table.header.firstIndex(of: "n_value_api_calls")
        var tasks: [Task] = []
        var position: [Int: Int] = [:]
        try table.forEachRow { row in
            let id = try row.int(taskColumn, in: 0...Int.max)
            let step = Step(
                index: try row.int(stepColumn, in: 0...Int.max),
                proposeCalls: try row.int(proposeColumn, in: 0...100_000),
                valueCalls: try row.int(apiCallColumn ?? valueColumn, in: 0...100_000))
            let prompt = try row.int(promptColumn, in: 1...Int.max)
            let completion = try row.int(completionColumn, in: 1...Int.max)
            if let at = position[id] {
                // The totals are per task, repeated on each of its rows: they must agree.
                guard tasks[at].promptTokens == prompt else {
                    throw row.failure(promptColumn, "differs from line \(tasks[at].firstLine) of task \(id)")
                }
                guard tasks[at].completionTokens == completion else {
                    throw row.failure(completionColumn, "differs from line \(tasks[at].firstLine) of task \(id)")
                }
                guard !tasks[at].steps.contains(where: { $0.index == step.index }) else {
                    throw row.failure(stepColumn, "repeats a step of task \(id)")
                }
                tasks[at].steps.append(step)
            } else {
                position[id] = tasks.count
                tasks.append(Task(id: id, firstLine: row.line, promptTokens: prompt, completionTokens: completion,
                                  steps: [step]))
            }
        }
        guard !tasks.isEmpty else { throw SimulationError.emptyFile(path: table.source) }
        return try tasks.map { task in
            let steps = task.steps.sorted { $0.index < $1.index }
            let kinds = steps.flatMap { [(isValue: false, count: $0.proposeCalls), (isValue: true, count: $0.valueCalls)] }
                .filter { $0.count > 0 }
            let callCount = kinds.reduce(0) { $0 + $1.count }
            guard callCount > 0, task.promptTokens >= callCount, task.completionTokens >= callCount else {
                throw SimulationError.malformedRow(
                    file: table.source, line: task.firstLine,
                    reason: "task \(task.id): \(callCount) calls cannot share \(task.promptTokens) prompt and "
                        + "\(task.completionTokens) completion tokens (each call needs at least one of each)")
            }
            let flat = kinds.flatMap { Array(repeating: $0.isValue, count: $0.count) }
            let prompts = apportion(task.promptTokens, weights: flat.map {
                $0 ? promptWeights.value : promptWeights.propose })
            let completions = apportion(task.completionTokens, weights: flat.map {
                $0 ? completionWeights.value : completionWeights.propose })
            var stages: [(isValue: Bool, calls: [WorkflowSpec.Call])] = []
            var next = 0
            for kind in kinds {
                let calls = (next..<(next + kind.count)).map {
                    WorkflowSpec.Call(promptTokenCount: prompts[$0], outputTokenCount: completions[$0])
                }
                stages.append((kind.isValue, calls))
                next += kind.count
            }
            return (task.id, stages)
        }
    }

    /// Splits `total` into integer parts proportional to `weights` (largest remainder; ties go to
    /// the earlier part), each at least 1, summing to exactly `total` when `total ≥ count`.
    static func apportion(_ total: Int, weights: [Double]) -> [Int] {
        let count = weights.count
        // Give every part its 1 first, then share the rest: no call ends up empty.
        let rest = Double(total - count)
        let weightSum = weights.reduce(0, +)
        var parts = [Int](repeating: 1, count: count)
        var remainders: [(fraction: Double, index: Int)] = []
        var assigned = count
        for (i, w) in weights.enumerated() {
            let exact = rest * w / weightSum
            let whole = Int(exact.rounded(.down))
            parts[i] += whole
            assigned += whole
            remainders.append((exact - Double(whole), i))
        }
        remainders.sort { $0.fraction != $1.fraction ? $0.fraction > $1.fraction : $0.index < $1.index }
        for k in 0..<max(0, total - assigned) { parts[remainders[k % count].index] += 1 }
        return parts
    }
}
