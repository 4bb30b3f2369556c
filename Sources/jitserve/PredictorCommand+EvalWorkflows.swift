import ArgumentParser
import Foundation
import JITServeCore
import JITServePrediction
import JITServeSimulation

extension PredictorCommand {
    /// `jitserve predictor eval-workflows`: the pattern analyzer against the per-type default on
    /// the real multi-call traces, in online order with a bounded store.
    struct EvalWorkflows: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "eval-workflows",
            abstract: "Error of predicted remaining stages and sub-deadline shares on Tree-of-Thoughts and MetaGPT traces.",
            discussion: """
                Workflows are replayed in file order; each is predicted at every stage's first call \
                from the workflows before it, then fed back. MetaGPT has one logged run; --metagpt-variants \
                derives more by the loader's per-round bootstrap of output lengths.
                """
        )

        @Option(help: "Tree-of-Thoughts per-step summary CSV (default: the shipped one, with real API-call counts).")
        var tot: String?
        @Option(help: "MetaGPT per-call summary CSV (default: the shipped one).")
        var metagpt: String?
        @Option(help: "MetaGPT variants to derive from the logged run (0: the logged run only).")
        var metagptVariants = 50
        @Option(help: "Most patterns the analyzer keeps.")
        var capacity = 32
        @Option(help: "Finished workflows of a type before its patterns are used.")
        var minimumFinished = 3
        @Option(help: "Seed of the MetaGPT variants.")
        var seed: UInt64 = 7
        @Option(help: "Also write the figures as JSON here.")
        var json: String?

        struct Row: Encodable {
            var application: String
            var pattern: WorkflowPredictionEvaluation
            var uniform: WorkflowPredictionEvaluation
            var storeCount: Int
            var storeCapacity: Int

            enum CodingKeys: String, CodingKey {
                case application, pattern, uniform
                case storeCount = "store_count"
                case storeCapacity = "store_capacity"
            }
        }

        func run() async throws {
            var sets: [(String, [WorkflowSpec])] = []
            // The shipped ToT summary counts the value calls ToT really sent (its cache answers
            // repeats); the raw summary counts candidates, ~2.8× too many calls.
            let totPath = try tot ?? WorkloadResource.treeOfThoughts.path()
            sets.append((TreeOfThoughtsTrace.application, try TreeOfThoughtsTrace.load(path: totPath)))
            let logged = try MetaGPTTrace.load(path: try metagpt ?? WorkloadResource.metaGPT.path())
            let meta = metagptVariants > 0 ? MetaGPTTrace.variants(of: logged[0], count: metagptVariants, seed: seed) : logged
            sets.append((MetaGPTTrace.application, meta))
            // Both types through one analyzer (interleaved), as a server would see them.
            var mixed: [WorkflowSpec] = []
            for k in 0..<max(sets[0].1.count, sets[1].1.count) {
                for (_, specs) in sets where k < specs.count { mixed.append(specs[k]) }
            }
            sets.append(("both", mixed))
            var rows: [Row] = []
            let configuration = WorkflowPatternAnalyzer.Configuration(capacity: capacity, minimumFinished: minimumFinished)
            print("application  workflows  points  predictor  stages_mae  stages_exact  share_mae  tokens_rel_err  store")
            for (application, specs) in sets {
                var analyzer = WorkflowPatternAnalyzer(configuration: configuration)
                var uniform = UniformShareWorkflowPredictor()
                let pattern = WorkflowPredictionEvaluation.run(&analyzer, workflows: specs)
                let baseline = WorkflowPredictionEvaluation.run(&uniform, workflows: specs)
                let row = Row(application: application, pattern: pattern, uniform: baseline,
                              storeCount: analyzer.store.count, storeCapacity: capacity)
                rows.append(row)
                for result in [pattern, baseline] {
                    let cells: [(String, Int)] = [
                        (application, 11), (String(result.workflows), 9), (String(result.points), 6),
                        (result.predictor, 9), (PredictorCommand.format(result.remainingStagesMAE), 10),
                        (PredictorCommand.format(result.remainingStagesExact), 12),
                        (PredictorCommand.format(result.shareMAE), 9),
                        (PredictorCommand.format(result.remainingTokensRelativeError), 14),
                        (result.predictor == "pattern" ? "\(analyzer.store.count)/\(capacity)" : "-", 5),
                    ]
                    print(cells.map { $0.0.padding(toLength: max($0.1, $0.0.count), withPad: " ", startingAt: 0) }.joined(separator: "  "))
                }
            }
            if let json { try PredictorCommand.writeJSON(rows, to: json) }
        }
    }
}
