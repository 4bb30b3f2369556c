import JITServeCore

/// What one replica's snapshot predicts for a request sent to it now: time to first token,
/// time per output token, and time to finish a given number of tokens. A model of the
/// replica's published figures only — iteration time, prefill queued, the token budget — so
/// it means the same in front of simulated and real replicas.
public struct ReplicaForecast: Sendable {
    /// Seconds per iteration (one output token per running request per iteration).
    public var iterationSeconds: Double
    /// Tokens one iteration computes at most.
    public var batchTokens: Int
    /// Prompt tokens queued ahead of a newcomer.
    public var queuedPrefillTokens: Int

    /// Assumed for a replica that publishes no `jitserve:*` gauges (a plain vLLM server):
    /// a mid-size decode iteration and vLLM's default token budget; its queue is its waiting
    /// requests at `assumedPromptTokens` each.
    public static let fallbackIterationSeconds = 0.05
    public static let fallbackBatchTokens = 2048
    public static let assumedPromptTokens = 512

    public init(_ snapshot: ReplicaSnapshot) {
        if let load = snapshot.load {
            iterationSeconds = max(load.iterationSeconds, 1e-3)
            batchTokens = max(1, load.maxBatchedTokens)
            queuedPrefillTokens = load.pendingPrefillTokens
        } else {
            iterationSeconds = Self.fallbackIterationSeconds
            batchTokens = Self.fallbackBatchTokens
            queuedPrefillTokens = snapshot.waitingCount * Self.assumedPromptTokens
        }
    }

    /// Iterations to prefill `promptTokens`, behind the queue when `queued`.
    public func prefillIterations(promptTokens: Int, queued: Bool) -> Double {
        let tokens = promptTokens + (queued ? queuedPrefillTokens : 0)
        return (Double(max(1, tokens)) / Double(batchTokens)).rounded(.up)
    }

    /// Seconds to the first token, behind the queued prefill.
    public func timeToFirstToken(promptTokens: Int) -> Double {
        prefillIterations(promptTokens: promptTokens, queued: true) * iterationSeconds
    }

    /// Seconds to produce `outputTokens` after prefill, one per iteration.
    public func timeToLastToken(promptTokens: Int, outputTokens: Int, queued: Bool) -> Double {
        (prefillIterations(promptTokens: promptTokens, queued: queued) + Double(max(1, outputTokens - 1)))
            * iterationSeconds
    }
}
