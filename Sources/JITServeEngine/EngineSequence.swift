import JITServeCore
import JITServeScheduling

/// The engine's live record of one request: what the scheduler sees (`state`) plus what only the
/// engine and executor need (token IDs, timeline, output text). Its KV blocks are the block
/// manager's; `state`'s KV fields are filled from there in each snapshot.
final class EngineSequence {
    let request: Request
    var state: SequenceState
    var timeline: RequestTimeline
    /// Prompt then generated token IDs; empty when the request has none (simulation).
    var tokenIDs: [Int32]
    /// Turns its tokens into the client's text; nil without a text codec.
    var detokenizer: Detokenizer?
    /// In `running` (holds device KV) rather than `waiting`.
    var isRunning = false
    /// The last iteration that scheduled it: guards against a plan naming it twice.
    var scheduledInIteration = -1
    var isFinished = false
    /// Prompt log-probabilities by position, kept from the first time each was computed (a
    /// recompute after preemption computes them again); empty unless the request asked.
    var promptLogprobs: [TokenLogprobs?] = []
    /// Trace replay: the request ends after this many tokens (see `SubmissionOptions`).
    var replayedOutputTokenCount: Int?
    /// Its prompt came as token IDs. A trace replay's did not: its `tokenIDs` then hold only
    /// what it generated, which must never index the prefix cache as if it were its prompt.
    let hasPromptTokenIDs: Bool

    init(request: Request, length: LengthDistribution) {
        self.request = request
        state = SequenceState(
            id: request.id, slo: request.slo, arrivedAt: request.arrivedAt,
            promptTokenCount: request.promptTokenCount, maxOutputTokens: request.maxOutputTokens, length: length
        )
        timeline = RequestTimeline(arrivedAt: request.arrivedAt)
        tokenIDs = request.promptTokenIDs ?? []
        hasPromptTokenIDs = !tokenIDs.isEmpty
        if request.sampling.promptLogprobCount != nil {
            promptLogprobs = Array(repeating: nil, count: request.promptTokenCount)
        }
    }

    var id: RequestID { request.id }
    /// May start after a cached prefix: its prompt came as token IDs, and it did not ask for
    /// prompt log-probabilities (those need every prompt position computed).
    var usesPrefixCache: Bool { hasPromptTokenIDs && request.sampling.promptLogprobCount == nil }
    var record: RequestRecord { RequestRecord(request: request, timeline: timeline) }
}
