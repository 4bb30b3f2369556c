import ArgumentParser
import Foundation
import JITServeCore
import JITServeEngine
import JITServeScheduling
import JITServeSetup
import JITServeSimulation

/// `jitserve bench anatomy`: what a policy does with the batch, seen through GMAX's tiers —
/// who holds KV and who runs, by SLO kind and tier, how many tiers the estimates got wrong
/// (a request called hopeless whose true remaining length would still have made it), and how
/// conservative the length bounds were against the truth. A diagnosis, not a score.
struct BenchAnatomyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anatomy",
        abstract: "Who holds and who gets the batch under one policy, by SLO kind and GMAX tier.",
        discussion: """
            Replays one workload with one policy and, at every decision, classifies every request \
            with GMAX's tiers (urgent / ahead / hopeless, from the same estimates the policy gets). \
            Prints per-decision averages of requests waiting, holding KV and scheduled per kind × \
            tier; prefill tokens and decodes; distinct workflows per batch; how often a request \
            marked hopeless could, by its true length, still have made its (sub-)deadline; and \
            the q-bound and expectation over the true output length at each request's first decision.
            """
    )

    @OptionGroup var workload: WorkloadOptions
    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var engine: EngineOptions
    @OptionGroup var replay: ReplayOptions
    @OptionGroup var lengths: PredictorOptions

    @Option(help: "Scheduling policy to dissect.")
    var scheduler = "jitserve"

    @Option(help: "Also print every request's standing and share of the plan at these decisions (comma-separated numbers).")
    var dump: String?

    @Option(help: "Count only the decisions at or after this simulated time, seconds (default: from the start).")
    var from: Double?

    @Option(help: "Count only the decisions at or before this simulated time, seconds (default: to the end of the drain).")
    var until: Double?

    func validate() throws {
        if let from, !(from >= 0 && from.isFinite) { throw ValidationError("--from must be a time ≥ 0 s, got \(from)") }
        if let until, !(until >= 0 && until.isFinite) { throw ValidationError("--until must be a time ≥ 0 s, got \(until)") }
        if let from, let until, until < from { throw ValidationError("--until (\(until) s) comes before --from (\(from) s)") }
    }

    /// The simulated times whose decisions are counted: a window such as the arrival span's
    /// steady middle shows what the drain's averages hide.
    var window: ClosedRange<Double> { (from ?? 0)...(until ?? .infinity) }

    func run() throws {
        var builder = try EngineBuilder(
            policy: scheduler, lengths: try lengths.lengths(servedModel: hardware.model.simulatedModel),
            configuration: engine.configuration())
        let built = try workload.make()
        let profile = try hardware.profile()
        let truth = WorkloadPlan(built).outputTokenCount
        let log = DecisionLog(dumpAt: Set((dump ?? "").split(separator: ",").compactMap { Int($0) }))
        builder.scheduler = ObservedScheduler(inner: builder.scheduler, lens: GMAXScheduler(), log: log, truth: truth, window: window)
        let result = try Simulator(
            workload: built, makeExecutor: { SimulatedExecutor(profile: profile) }, makeEngine: builder.makeReplayEngine,
            options: .init(drainLimit: .seconds(replay.drain), replicaCount: replay.replicas)
        ).run()
        let configuration = builder.configuration
        print("\(scheduler) on \(built.name) @ \(workload.rps.map { "\($0)" } ?? "-") req/s, \(profile.name), "
              + "max_num_seqs \(configuration.maxRunning), \(configuration.preemptionMode.rawValue): token goodput "
              + String(format: "%.1f tok/s, attainment %.1f%%", result.report.overall.tokenGoodput, 100 * result.report.overall.sloAttainment))
        if from != nil || until != nil {
            print("decisions counted between \(window.lowerBound) s and \(until.map { "\($0) s" } ?? "the end")")
        }
        print(log.table())
        print(Self.outcomesByApplication(result, callCounts: WorkloadPlan(built).workflowCallCounts))
    }

    /// Units met and output tokens earned per application (a workflow counts once).
    static func outcomesByApplication(_ result: SimulationResult, callCounts: [WorkflowID: Int]) -> String {
        var units: [String: (met: Int, total: Int, tokens: Int, good: Int)] = [:]
        var workflows: [WorkflowID: (app: String, seen: Int, met: Int, tokens: Int)] = [:]
        for record in result.records {
            let app = record.request.application ?? "-"
            if let wf = record.request.slo.workflowID {
                var w = workflows[wf] ?? (app, 0, 0, 0)
                w.seen += 1
                w.tokens += record.timeline.outputTokenCount
                if GoodputAccountant.metInFull(record) { w.met += 1 }
                workflows[wf] = w
            } else {
                var u = units[app] ?? (0, 0, 0, 0)
                u.total += 1
                u.tokens += record.timeline.outputTokenCount
                u.good += GoodputAccountant.goodTokenCount(record)
                if GoodputAccountant.metInFull(record) { u.met += 1 }
                units[app] = u
            }
        }
        for (wf, w) in workflows {
            var u = units[w.app] ?? (0, 0, 0, 0)
            u.total += 1
            u.tokens += w.tokens
            let met = w.met == w.seen && w.seen == (callCounts[wf] ?? w.seen)
            if met { u.met += 1; u.good += w.tokens }
            units[w.app] = u
        }
        var lines = ["application   met/units   output tok   good tok"]
        for app in units.keys.sorted() {
            let u = units[app]!
            lines.append(app.padding(toLength: 12, withPad: " ", startingAt: 0)
                         + String(format: "%6d/%-6d %11d %10d", u.met, u.total, u.tokens, u.good))
        }
        return lines.joined(separator: "\n")
    }
}

/// Wraps a policy and records, per decision, the snapshot and plan through GMAX's tiers.
struct ObservedScheduler: Scheduler {
    let inner: any Scheduler
    let lens: GMAXScheduler
    let log: DecisionLog
    /// True output lengths, for the diagnosis only: the wrapped policy never sees them.
    let truth: [RequestID: Int]
    /// Simulated times whose decisions are recorded; the policy decides at every other one too.
    var window: ClosedRange<Double> = 0...Double.infinity

    var name: String { inner.name }

    func schedule(_ snapshot: SchedulerSnapshot) -> SchedulePlan {
        let plan = inner.schedule(snapshot)
        guard window.contains(snapshot.now.seconds) else { return plan }
        log.record(snapshot, plan: plan, standings: lens.standings(snapshot), truth: truth)
        return plan
    }
}

/// Running sums over decisions (a simulation runs on one thread; the lock keeps it Sendable).
final class DecisionLog: @unchecked Sendable {
    private struct Cell {
        var waiting = 0.0, holding = 0.0, scheduled = 0.0, prefillTokens = 0.0
        var hopelessButFeasible = 0.0
    }

    private let lock = NSLock()
    private let dumpAt: Set<Int>

    init(dumpAt: Set<Int> = []) { self.dumpAt = dumpAt }

    private var decisions = 0
    private var cells: [String: Cell] = [:]
    private var decodes = 0.0, prefillTokens = 0.0, preemptions = 0.0
    private var workflowsInBatch = 0.0, workflowCallsInBatch = 0.0
    private var seen: Set<RequestID> = []
    private var boundRatios: [String: [Double]] = [:]
    private var expectedRatios: [String: [Double]] = [:]

    func record(_ snapshot: SchedulerSnapshot, plan: SchedulePlan, standings: [GMAXScheduler.Standing], truth: [RequestID: Int]) {
        lock.lock(); defer { lock.unlock() }
        decisions += 1
        var tiers: [RequestID: GMAXScheduler.Standing.Tier] = [:]
        for s in standings { tiers[s.id] = s.tier }
        if dumpAt.contains(decisions) { dump(snapshot, plan: plan, standings: standings, truth: truth) }
        let tau = max(snapshot.iterationSeconds, 1e-4)
        var scheduledTokens: [RequestID: Int] = [:]
        for work in plan.scheduled { scheduledTokens[work.requestID] = work.tokenCount }
        var workflows: Set<WorkflowID> = []
        for (isRunning, list) in [(true, snapshot.running), (false, snapshot.waiting)] {
            for s in list {
                let tier = tiers[s.id] ?? .hopeless
                let key = "\(s.kind.rawValue)/\(tier.label)"
                var cell = cells[key, default: Cell()]
                if isRunning { cell.holding += 1 } else { cell.waiting += 1 }
                if let tokens = scheduledTokens[s.id] {
                    cell.scheduled += 1
                    if tokens > 1 || s.isPrefilling { cell.prefillTokens += Double(tokens); prefillTokens += Double(tokens) } else { decodes += 1 }
                    if let wf = s.workflowID { workflows.insert(wf); workflowCallsInBatch += 1 }
                }
                if tier == .hopeless, s.kind != .latency, let length = truth[s.id] {
                    // Would the true remaining work fit before the (sub-)deadline at one token
                    // per iteration, prefill in budget-sized chunks?
                    let due = s.workflowID.flatMap { snapshot.workflows[$0]?.currentStageDueAt.seconds } ?? s.due.first
                    let prefill = (Double(max(0, s.pendingTokenCount - 1)) / Double(snapshot.budget.maxBatchedTokens)).rounded(.up)
                    let needed = (prefill + Double(max(1, length - s.generatedTokenCount))) * tau
                    if needed <= due - snapshot.now.seconds { cell.hopelessButFeasible += 1 }
                }
                cells[key] = cell
                if !seen.contains(s.id), let length = truth[s.id] {
                    seen.insert(s.id)
                    boundRatios[s.kind.rawValue, default: []].append(Double(s.outputBound(quantile: 0.95)) / Double(length))
                    expectedRatios[s.kind.rawValue, default: []].append(s.length.expectedLength() / Double(length))
                }
            }
        }
        workflowsInBatch += Double(workflows.count)
        preemptions += Double(plan.preempted.count)
    }

    func table() -> String {
        lock.lock(); defer { lock.unlock() }
        let n = Double(max(1, decisions))
        func f(_ v: Double, _ width: Int = 10) -> String {
            let text = String(format: "%.2f", v)
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = ["\(decisions) decisions; per decision:"]
        lines.append(pad("kind/tier", 20) + "   waiting   holding scheduled  prefill-tok  hopeless-but-feasible")
        for key in cells.keys.sorted() {
            let c = cells[key]!
            lines.append(pad(key, 20) + f(c.waiting / n) + f(c.holding / n) + f(c.scheduled / n) + f(c.prefillTokens / n, 13)
                         + f(c.hopelessButFeasible / n, 23))
        }
        lines.append(String(format: "decodes %.2f, prefill tokens %.1f, preemptions %.3f, workflows in batch %.2f (%.2f calls)",
                            decodes / n, prefillTokens / n, preemptions / n, workflowsInBatch / n, workflowCallsInBatch / n))
        lines.append("length estimate ÷ true output length at first decision (median, p10, p90; share below 1):")
        for kind in boundRatios.keys.sorted() {
            for (label, values) in [("q0.95 bound", boundRatios[kind]!), ("expectation", expectedRatios[kind]!)] {
                let sorted = values.sorted()
                func q(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))] }
                let below = Double(sorted.filter { $0 < 1 }.count) / Double(max(1, sorted.count))
                lines.append("  " + pad(kind, 10) + pad(label, 13) + f(q(0.5)) + f(q(0.1)) + f(q(0.9)) + f(100 * below) + " %")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func dump(_ snapshot: SchedulerSnapshot, plan: SchedulePlan, standings: [GMAXScheduler.Standing], truth: [RequestID: Int]) {
        let states = Dictionary(uniqueKeysWithValues: (snapshot.running + snapshot.waiting).map { ($0.id, $0) })
        let holding = Set(snapshot.running.map(\.id))
        var tokens: [RequestID: Int] = [:]
        for w in plan.scheduled { tokens[w.requestID] = w.tokenCount }
        print(String(format: "decision %d at %.2f s: τ %.1f ms, budget %d tokens × %d seqs, %d free blocks, %d preempted",
                     decisions, snapshot.now.seconds, 1e3 * snapshot.iterationSeconds, snapshot.budget.maxBatchedTokens,
                     snapshot.budget.maxRunning, snapshot.budget.freeBlockCount, plan.preempted.count))
        print("rank  id              kind       wf  tier      density    laxity  kv  prompt  pend   gen  bound  true  sched")
        for (rank, st) in standings.enumerated() {
            guard let s = states[st.id] else { continue }
            func col(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
            print(col("\(rank)", 6) + col("\(st.id.rawValue)", 16) + col(s.kind.rawValue, 11)
                  + col(s.workflowID.map { "\($0.rawValue)" } ?? "-", 4) + col(st.tier.label, 9)
                  + String(format: "%8.2f %9.1f ", st.density, st.laxity) + col(holding.contains(s.id) ? "yes" : "", 3)
                  + String(format: "%7d %5d %5d %6d %5d ", s.promptTokenCount, s.pendingTokenCount, s.generatedTokenCount,
                           s.outputBound(quantile: 0.95), truth[s.id] ?? -1)
                  + (tokens[s.id].map { "\($0)" } ?? ""))
        }
    }
}
