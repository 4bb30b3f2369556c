import JITServeCore
import JITServeScheduling

/// Seeded random scheduler inputs for equivalence tests: every kind of SLO, workflows with and
/// without estimates, requests mid-prefill, decoding, preempted and swapped out, ties in
/// arrival time and in length, and budgets from roomy to starved (no free KV, a batch of one,
/// a 3-token budget) so that packing walks far, preempts and skips.
struct RandomSnapshot {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + rng.nextInt(below: range.count) }
    mutating func unit() -> Double { rng.nextUnit() }
    mutating func pick<T>(_ values: [T]) -> T { values[rng.nextInt(below: values.count)] }
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// One snapshot of up to `maxRequests` requests.
    mutating func snapshot(maxRequests: Int) -> SchedulerSnapshot {
        let now = Double(int(5...120))
        let runningCount = int(0...min(64, maxRequests / 4))
        let waitingCount = int(0...(maxRequests - runningCount))
        let workflowCount = int(1...6)
        var workflows: [WorkflowID: WorkflowEstimate] = [:]
        for w in 1...workflowCount where chance(0.7) {
            workflows[WorkflowID(UInt64(w))] = WorkflowEstimate(
                remainingStageCount: int(0...4), remainingFutureOutputTokens: pick([0, int(1...3000)]),
                currentStageDueAt: Instant(seconds: now + Double(int(-20...60)) / 2))
        }
        var id: UInt64 = UInt64(int(0...1000))
        func nextID() -> RequestID {
            id += UInt64(int(1...3))
            return RequestID(id)
        }
        let running = (0..<runningCount).map { _ in request(id: nextID(), now: now, workflowCount: workflowCount, isRunning: true) }
        let waiting = (0..<waitingCount).map { _ in request(id: nextID(), now: now, workflowCount: workflowCount, isRunning: false) }
            .sorted { ($0.arrivedAt, $0.id) < ($1.arrivedAt, $1.id) }
        let budget = BatchBudget(
            maxBatchedTokens: pick([3, 64, 512, 2048, 8192]), maxRunning: pick([1, 2, 4, 8, 32, 256, 1024]),
            blockSize: 16, freeBlockCount: pick([0, 0, 3, 40, 400, 100_000]))
        return SchedulerSnapshot(
            now: Instant(seconds: now), running: running, waiting: waiting, budget: budget,
            iterationSeconds: pick([0.005, 0.02, 0.05, 0.12, 0.3]), workflows: workflows)
    }

    private mutating func request(id: RequestID, now: Double, workflowCount: Int, isRunning: Bool) -> SequenceState {
        // Whole tenths of a second: arrivals tie often, so ties must break the same way.
        let arrived = max(0, now - Double(int(0...600)) / 10)
        let slo: SLO
        switch int(0...2) {
        case 0:
            slo = .latency(ttft: .milliseconds(int(100...3000)), tbt: .milliseconds(pick([20, 50, 100, 160, 250])))
        case 1:
            slo = .deadline(ttlt: .seconds(int(1...60)))
        default:
            slo = .compound(CompoundSLO(
                workflowID: WorkflowID(UInt64(int(1...workflowCount))), stage: int(0...3),
                workflowStartedAt: Instant(seconds: max(0, arrived - Double(int(0...30)))), deadline: .seconds(int(5...120))))
        }
        let prompt = pick([1, int(2...200), int(200...4000)])
        let length = distribution()
        var generated = 0, computed = 0, blocks = 0, swapped = false
        if isRunning {
            if chance(0.2) {
                computed = int(0...(prompt - 1))  // mid-prefill
            } else {
                generated = int(1...600)
                computed = prompt + generated - 1
            }
            blocks = chance(0.05) ? 0 : (computed + 15) / 16 + int(0...1)
        } else if chance(0.2) {
            generated = int(1...300)  // preempted: recompute from scratch, or swapped out
            if chance(0.5) {
                swapped = true
                computed = prompt + generated - 1
            }
        }
        return SequenceState(
            id: id, slo: slo, arrivedAt: Instant(seconds: arrived), promptTokenCount: prompt,
            maxOutputTokens: pick([64, 1024, 4096]), length: length, generatedTokenCount: generated,
            computedTokenCount: computed, allocatedBlockCount: blocks, isSwapped: swapped,
            preemptionCount: swapped || (!isRunning && generated > 0) ? 1 : 0)
    }

    /// A point mass (often the same few lengths, so densities tie), or samples with or
    /// without weights, some all-zero.
    private mutating func distribution() -> LengthDistribution {
        switch int(0...3) {
        case 0:
            return .exactly(pick([50, 100, 400]))
        case 1:
            return LengthDistribution(samples: (0..<int(1...40)).map { _ in int(1...2000) })
        case 2:
            let n = int(1...300)
            return LengthDistribution(samples: (0..<n).map { _ in int(1...3000) }, weights: (0..<n).map { _ in unit() })
        default:
            let n = int(1...5)
            return LengthDistribution(samples: (0..<n).map { _ in int(1...500) },
                                      weights: (0..<n).map { _ in chance(0.5) ? 0 : unit() })
        }
    }
}

extension SchedulerSnapshot {
    /// The same snapshot with every length distribution rebuilt from its samples: nothing the
    /// distributions remember from earlier queries carries over.
    var withFreshDistributions: SchedulerSnapshot {
        func fresh(_ s: SequenceState) -> SequenceState {
            var s = s
            s.length = s.length.isExact ? .exactly(s.length.samples[0]) : LengthDistribution(samples: s.length.samples, weights: s.length.weights)
            return s
        }
        var copy = self
        copy.running = running.map(fresh)
        copy.waiting = waiting.map(fresh)
        return copy
    }
}
