import Foundation

/// The data files this module ships (Sources/JITServeSimulation/Resources; origin, licence and
/// the command that rebuilt each are in its README.md). Raw values are paths in that folder.
public enum WorkloadResource: String, CaseIterable, Sendable {
    /// The whole Azure LLM inference trace 2023, conversation class (CC-BY-4.0).
    case azureConv = "azure2023/AzureLLMInferenceTrace_conv.csv"
    /// The whole Azure LLM inference trace 2023, code class (CC-BY-4.0).
    case azureCode = "azure2023/AzureLLMInferenceTrace_code.csv"
    /// Tree-of-Thoughts Game-of-24 per-step call summary with the real value-call counts (MIT).
    case treeOfThoughts = "tot_game24/tot_game24_calls_summary_api.csv"
    /// MetaGPT per-call summary from the Parrot artifact (MIT).
    case metaGPT = "parrot_metagpt/metagpt_calls_summary.csv"
    /// Held-out ShareGPT first turns with prompt text (≤ 2,000 rows).
    case chatPrompts = "sharegpt/sharegpt_first_turn_heldout.jsonl"
    /// Held-out rows of the ShareGPT turn-length table.
    case chatLengths = "sharegpt/sharegpt_turn_lengths_heldout.csv"

    /// The file's path on disk, inside the module's resource bundle.
    public func path() throws -> String {
        guard let folder = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw SimulationError.missingResource(name: "Resources")
        }
        let url = folder.appendingPathComponent(rawValue)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SimulationError.missingResource(name: rawValue)
        }
        return url.path
    }
}
