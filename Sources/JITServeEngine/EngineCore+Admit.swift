import JITServeCore
import JITServeScheduling

extension EngineCore {
    /// The scheduler's view of the engine at `now`. Each request's KV share (blocks held,
    /// swapped out or not) is read from the block manager, its one owner.
    public func snapshot(now: Instant) -> SchedulerSnapshot {
        refreshPrefixCachedRows()
        return SchedulerSnapshot(
            now: now,
            running: running.map(row(of:)),
            waiting: waitingRows,
            budget: BatchBudget(
                maxBatchedTokens: configuration.maxBatchedTokens, maxRunning: configuration.maxRunning,
                blockSize: blocks.blockSize, freeBlockCount: blocks.freeBlockCount
            ),
            iterationSeconds: iterationSeconds,
            workflows: workflowEstimates,
            workflowServiceTokens: workflowServiceTokens
        )
    }

    func row(of s: EngineSequence) -> SequenceState {
        var state = s.state
        state.allocatedBlockCount = blocks.deviceBlockCount(of: s.id)
        state.isSwapped = blocks.isSwapped(s.id)
        // A request about to start (or restart after recompute) is shown with its cached
        // prefix as computed, so every policy plans the prefill that is actually left.
        if state.computedTokenCount == 0, state.allocatedBlockCount == 0, !state.isSwapped,
           blocks.isPrefixCachingEnabled, s.usesPrefixCache {
            state.computedTokenCount = blocks.cachedPrefixTokenCount(of: s.tokenIDs, limit: state.knownTokenCount - 1)
        }
        return state
    }

    /// The scheduler's plan for an iteration starting at `now`.
    public func plan(now: Instant) -> SchedulePlan {
        let view = snapshot(now: now)
        let plan = scheduler.schedule(view)
        guard plan.isEmpty && plan.preempted.isEmpty && hasWork else { return plan }
        // Liveness: a policy that runs nobody while requests wait would stall the engine (no
        // iteration, so no clock advance, so no new decision). First come, first served for
        // this one iteration.
        return SarathiScheduler().schedule(view)
    }

    /// Carries out `plan`: preempts what it names, gives each scheduled request the KV blocks
    /// its tokens need (swapping it back in first if it was swapped out), and moves whatever
    /// got blocks to `running`. Items the engine cannot honour — unknown, already scheduled
    /// this iteration, more tokens than pending, or memory the plan over-committed — are
    /// skipped rather than failing the iteration.
    public func admit(_ plan: SchedulePlan, now: Instant) -> Admission {
        iterationNumber += 1
        var admission = Admission(startedAt: now)
        for id in plan.preempted {
            guard let s = byID[id], blocks.deviceBlockCount(of: id) > 0 else { continue }
            admission.swapOutBlockCount += preempt(s)
            admission.preemptionCount += 1
        }
        admission.work.reserveCapacity(plan.scheduled.count)
        // Requests whose admission failed part-way: still waiting, but their KV may have moved.
        var stillWaiting: [EngineSequence] = []
        for item in plan.scheduled {
            guard let s = byID[item.requestID], item.tokenCount >= 1,
                  item.tokenCount <= s.state.pendingTokenCount,
                  s.scheduledInIteration != iterationNumber
            else { continue }
            var claimed = false
            do {
                let swappedIn = try blocks.swapIn(s.id)
                admission.swapInBlockCount += swappedIn
                let copy: KVBlockCopy?
                (claimed, copy) = claimCachedPrefix(s, leaving: item.tokenCount)
                try blocks.allocate(s.id, coveringTokens: s.state.computedTokenCount + item.tokenCount)
                if let copy { admission.blockCopies.append(copy) }
            } catch {
                if claimed {
                    // Not running after all: it holds nothing while it waits.
                    blocks.free(s.id)
                    s.state.computedTokenCount = 0
                }
                if !s.isRunning { stillWaiting.append(s) }
                continue
            }
            s.scheduledInIteration = iterationNumber
            admission.work.append((s, item.tokenCount))
        }
        promoteToRunning(admission.work.map(\.sequence))
        refreshWaitingRows(of: stillWaiting)
        counters.preemptionCount += admission.preemptionCount
        return admission
    }

    /// What the executor is asked to run for `admission`.
    public func batch(for admission: Admission) -> ExecutionBatch {
        ExecutionBatch(
            sequences: admission.work.map { s, tokenCount in
                ScheduledSequence(
                    requestID: s.id, tokenCount: tokenCount, computedTokenCount: s.state.computedTokenCount,
                    samplesToken: s.state.computedTokenCount + tokenCount == s.state.knownTokenCount,
                    tokenIDs: s.tokenIDs, blockTable: blocks.blockTable(for: s.id),
                    generatedTokenCount: s.state.generatedTokenCount, sampling: s.request.sampling)
            },
            swapInBlockCount: admission.swapInBlockCount, swapOutBlockCount: admission.swapOutBlockCount,
            blockCopies: admission.blockCopies)
    }

    /// Runs `admission`'s batch on the executor.
    public func execute(_ admission: Admission) throws(EngineError) -> ExecutionOutcome {
        do {
            // The batch shares each sequence's token array; it must be gone before `apply`
            // appends this iteration's tokens, or every append copies the whole array. Built
            // here and dropped on return, it is.
            return try executor.execute(batch(for: admission))
        } catch {
            throw .executorFailed(String(describing: error))
        }
    }

    /// Starts `s` after its cached prefix, when it is about to prefill from scratch and may use
    /// the cache: references the cached blocks, moves `computedTokenCount` past them, and
    /// counts the lookup. At least `tokenCount` tokens (the plan's, ≥ 1) are left to compute,
    /// so logits exist and no shared block is written. Returns whether it claimed any, and the
    /// block copy that brings a prefix ending part-way into a block, which the executor makes
    /// before the iteration.
    private func claimCachedPrefix(_ s: EngineSequence, leaving tokenCount: Int) -> (claimed: Bool, copy: KVBlockCopy?) {
        guard blocks.isPrefixCachingEnabled, s.usesPrefixCache, s.state.computedTokenCount == 0,
              blocks.deviceBlockCount(of: s.id) == 0, !blocks.isSwapped(s.id)
        else { return (false, nil) }
        let known = s.state.knownTokenCount
        let (hit, copy) = blocks.claimCachedPrefix(s.id, tokens: s.tokenIDs, limit: known - tokenCount)
        counters.prefixCacheQueryTokenCount += known
        counters.prefixCacheHitTokenCount += hit
        if s.state.generatedTokenCount == 0 { s.timeline.cachedPromptTokenCount = hit }
        s.state.computedTokenCount = hit
        return (hit > 0, copy)
    }

    /// Gives up `s`'s device KV by swap (when configured and host room exists) or recompute.
    /// Returns the blocks swapped out.
    private func preempt(_ s: EngineSequence) -> Int {
        running.removeAll { $0 === s }
        s.isRunning = false
        var swapped = 0
        if configuration.preemptionMode == .swap, let moved = blocks.swapOut(s.id) {
            swapped = moved
        } else {
            blocks.free(s.id)
            s.state.computedTokenCount = 0
            executor.release(s.id)
        }
        s.state.preemptionCount += 1
        s.timeline.preemptionCount += 1
        insertWaiting(s)
        return swapped
    }
}
