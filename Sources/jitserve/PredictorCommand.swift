import ArgumentParser
import Foundation
import JITServePrediction

/// `jitserve predictor`: train and evaluate the request analyzer (output-length forest and
/// workflow pattern analyzer).
struct PredictorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predictor",
        abstract: "Train and evaluate the output-length predictor and the workflow pattern analyzer.",
        subcommands: [Train.self, Eval.self, EvalWorkflows.self]
    )

    /// Which rows a command reads; `auto` applies the held-out rule when rows carry an id.
    enum SplitOption: String, ExpressibleByArgument, CaseIterable {
        case auto, all, train, test
    }

    /// Loads `path`, reporting skipped rows on standard error; with `servedModel`, only the
    /// rows a length log recorded for that model.
    static func loadExamples(path: String, skipBadRows: Bool, servedModel: String? = nil) throws -> [LengthExample] {
        let (examples, skipped) = try LengthDataset.load(path: path, skipBadRows: skipBadRows)
        for error in skipped { printError("skipped \(error)") }
        guard let servedModel else { return examples }
        let selected = examples.filter { $0.servedModel == servedModel }
        guard !selected.isEmpty else { throw PredictionError.emptyDataset(file: "\(path) (served_model \(servedModel))") }
        return selected
    }

    /// `split`'s rows of `examples`; `auto` resolves to `preferred` when any row has an id.
    static func select(_ examples: [LengthExample], split: SplitOption, preferred: LengthDatasetSplit) -> (LengthDatasetSplit, [LengthExample]) {
        let resolved: LengthDatasetSplit
        switch split {
        case .auto: resolved = examples.contains { $0.id != nil } ? preferred : .all
        case .all: resolved = .all
        case .train: resolved = .train
        case .test: resolved = .test
        }
        return (resolved, resolved.select(examples))
    }

    static func printError(_ message: String) { Console.error(message) }

    /// Writes `value` as pretty JSON to `path` atomically.
    static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw PredictionError.io(path: path, reason: "cannot write JSON: \(error.localizedDescription)")
        }
    }

    static func format(_ value: Double, _ digits: Int = 3) -> String {
        String(format: "%.\(digits)f", value)
    }
}
