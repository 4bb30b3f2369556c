import JITServeCore

extension WorkflowSpec {
    /// A rough time to run the workflow alone on an idle replica: each stage prefills all its
    /// prompts at `prefillTokensPerSecond`, then decodes its calls side by side in one batch, so
    /// the stage lasts as long as its longest output at `decodeTime` per token; stages run one
    /// after another, with their `delayBefore`.
    ///
    /// It answers "can this workflow meet its deadline at all?", not how long it will take
    /// under load. The defaults are ballpark figures for Llama-3-8B on one A100.
    public func idleCompletionEstimate(
        prefillTokensPerSecond: Double = 10_000, decodeTime: Duration = .milliseconds(25)
    ) -> Duration {
        var seconds = 0.0
        for stage in stages {
            let prompts = stage.calls.reduce(0) { $0 + $1.promptTokenCount }
            let longest = stage.calls.map(\.outputTokenCount).max() ?? 0
            seconds += stage.delayBefore.seconds + Double(prompts) / prefillTokensPerSecond
                + Double(longest) * decodeTime.seconds
        }
        return .seconds(seconds)
    }

    /// Tokens of all prompts of all calls.
    public var totalPromptTokenCount: Int {
        stages.reduce(0) { $0 + $1.calls.reduce(0) { $0 + $1.promptTokenCount } }
    }
}
