import JITServeCore
import JITServeScheduling

extension EngineCore {
    /// Records what `admission`'s iteration produced: tokens computed, each new token's
    /// delivery instant and text, and the requests that finished — on end-of-sequence or a stop
    /// string (`.stop`), or at `maxOutputTokens` or the model's context (`.length`).
    ///
    /// A stop string ends the request with the token that completed it: its record, and so
    /// every metric and goodput figure, counts exactly the tokens the client was sent.
    public func apply(_ outcome: ExecutionOutcome, to admission: Admission) -> IterationReport {
        var report = IterationReport(
            startedAt: admission.startedAt, elapsed: outcome.elapsed, tokens: [], finished: [],
            batchSize: admission.work.count, preemptionCount: admission.preemptionCount)
        let doneAt = admission.startedAt + outcome.elapsed
        let alpha = configuration.iterationTimeSmoothing
        iterationSeconds = (1 - alpha) * iterationSeconds + alpha * outcome.elapsed.seconds
        counters.executorSeconds += outcome.elapsed.seconds

        for (s, tokenCount) in admission.work {
            s.state.computedTokenCount += tokenCount
            // Only when a block boundary was crossed: most iterations are decodes within a block.
            if blocks.isPrefixCachingEnabled && s.hasPromptTokenIDs
                && (s.state.computedTokenCount - tokenCount) / blocks.blockSize != s.state.computedTokenCount / blocks.blockSize {
                blocks.cacheFullBlocks(of: s.id, tokens: s.tokenIDs, computedTokenCount: s.state.computedTokenCount)
            }
            s.state.attainedServiceTokens += tokenCount
            if let wf = s.state.workflowID { workflowServiceTokens[wf, default: 0] += tokenCount }
            if s.timeline.firstScheduledAt == nil { s.timeline.firstScheduledAt = admission.startedAt }
        }
        for chunk in outcome.promptLogprobs {
            guard let s = byID[chunk.requestID] else { continue }
            for (offset, entry) in chunk.entries.enumerated() {
                let position = chunk.firstPosition + offset
                if s.promptLogprobs.indices.contains(position), s.promptLogprobs[position] == nil {
                    s.promptLogprobs[position] = entry
                }
            }
        }
        report.tokens.reserveCapacity(outcome.tokens.count)
        var anyFinished = false
        for token in outcome.tokens {
            guard let s = byID[token.requestID] else { continue }
            s.tokenIDs.append(token.tokenID)
            s.state.generatedTokenCount += 1
            s.timeline.tokenDeliveredAt.append(doneAt)
            if s.state.firstTokenAt == nil { s.state.firstTokenAt = doneAt }
            s.state.lastTokenAt = doneAt
            counters.generationTokenCount += 1
            let delta = s.detokenizer?.append(token.tokenID)
            let replayEnds = s.replayedOutputTokenCount.map { s.state.generatedTokenCount >= $0 } ?? false
            let reason: FinishReason? =
                token.isEndOfSequence || delta?.isStopped == true || replayEnds ? .stop
                : s.state.generatedTokenCount >= s.request.maxOutputTokens ? .length
                : s.state.knownTokenCount >= limits.maxModelLength ? .length
                : nil
            var text = delta?.text ?? ""
            if reason != nil, let tail = s.detokenizer?.finish() { text += tail }
            let isFirst = s.state.generatedTokenCount == 1 && !s.promptLogprobs.isEmpty
            report.tokens.append(DeliveredToken(
                requestID: s.id, tokenID: token.tokenID, text: text, logprobs: token.logprobs,
                promptLogprobs: isFirst ? s.promptLogprobs : nil))
            if let reason {
                report.finished.append(retire(s, reason: reason, at: doneAt))
                anyFinished = true
            }
        }
        if anyFinished { running.removeAll { $0.isFinished } }
        counters.iterationCount += 1
        return report
    }

    /// Frees everything `s` holds and closes its record.
    func retire(_ s: EngineSequence, reason: FinishReason, at now: Instant) -> RequestRecord {
        blocks.free(s.id)
        executor.release(s.id)
        byID[s.id] = nil
        s.timeline.finishedAt = now
        s.timeline.finishReason = reason
        s.isFinished = true
        // A request that went away or was shed unserved says nothing about its length; nor does
        // a scoring call, which would teach its application, call after call, that answers are
        // one token long, and every bound there would shrink with it.
        if reason != .cancelled && reason != .shed && !s.request.isScoringCall {
            lengthPredictor.observe(s.request, outputTokenCount: s.state.generatedTokenCount)
        } else {
            lengthPredictor.forget(s.request)
        }
        if case .compound(let slo) = s.request.slo {
            noteCallRetired(s, slo: slo, at: now)
        }
        return s.record
    }
}
