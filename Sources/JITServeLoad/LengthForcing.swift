/// How a replayed request is made to produce its trace's output length.
public enum LengthForcing: String, CaseIterable, Sendable {
    /// jitserve: `replay_output_tokens` ends the answer at the trace length as if the model had
    /// stopped, while `max_tokens` stays the workload's cap — the scheduler is told what the
    /// simulator tells it, not the true length (length bounds are capped at `max_tokens`).
    case replay
    /// Any OpenAI-compatible server (vLLM, llama.cpp): `max_tokens` = the trace length with
    /// `ignore_eos` — what `vllm bench serve` sends; a server that caps its estimates at
    /// `max_tokens` learns the true length from it.
    case maxTokens = "max-tokens"
}
