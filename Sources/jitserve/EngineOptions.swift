import ArgumentParser
import JITServeEngine

/// The engine's limits, spelled as vLLM spells them, for every command that runs an engine
/// (`serve`, `simulate`, `bench`, `generate`), with admission control (`--admission`,
/// `--max-waiting`). The older spellings `--max-running` and `--max-batched-tokens` are
/// accepted too.
struct EngineOptions: ParsableArguments {
    @Option(
        name: [.customLong("max-num-seqs"), .customLong("max-running")],
        help: "Sequences per iteration (vLLM's max_num_seqs; default 256, generate 1).")
    var maxNumSeqs: Int?

    @Option(
        name: [.customLong("max-num-batched-tokens"), .customLong("max-batched-tokens")],
        help: "Tokens computed per iteration over all sequences (vLLM's max_num_batched_tokens; default 2048, generate 512).")
    var maxNumBatchedTokens: Int?

    @Option(help: "Preemption: recompute, or swap (to host memory where the executor has room for it, else recompute).")
    var preemption = PreemptionMode.recompute.rawValue

    @OptionGroup var admission: AdmissionOptions
    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Automatic prefix caching (vLLM's spelling; on by default): keep full KV blocks indexed by their tokens and skip the prefill of a prompt prefix already cached.",
            discussion: "Only requests with token IDs take part (a trace replay's requests have none), and never those asking for prompt log-probabilities (echo with logprobs)."))
    var enablePrefixCaching: Bool?

    func validate() throws {
        if let maxNumSeqs, maxNumSeqs < 1 { throw ValidationError("--max-num-seqs must be at least 1, got \(maxNumSeqs)") }
        if let maxNumBatchedTokens, maxNumBatchedTokens < 1 {
            throw ValidationError("--max-num-batched-tokens must be at least 1, got \(maxNumBatchedTokens)")
        }
        guard PreemptionMode(rawValue: preemption) != nil else {
            throw ValidationError(
                "--preemption must be one of: \(PreemptionMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// The engine configuration: these limits over the command's defaults.
    func configuration(defaults: EngineConfiguration = .init()) -> EngineConfiguration {
        var configuration = defaults
        configuration.maxRunning = maxNumSeqs ?? defaults.maxRunning
        configuration.maxBatchedTokens = maxNumBatchedTokens ?? defaults.maxBatchedTokens
        configuration.preemptionMode = PreemptionMode(rawValue: preemption) ?? defaults.preemptionMode
        configuration.admission = admission.control
        configuration.enablePrefixCaching = enablePrefixCaching ?? true
        return configuration
    }
}
