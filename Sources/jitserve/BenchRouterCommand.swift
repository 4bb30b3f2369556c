import ArgumentParser
import Foundation
import JITServeCore
import JITServeRouter
import JITServeSetup

/// `jitserve bench router`: what one picking decision costs per policy, over many endpoints
/// (GAIE budgets ~10 ms per decision; the goal here is p99 ≤ 1 ms at 64 endpoints).
struct BenchRouterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Picker decision cost per router at N endpoints (p50/p99), estimate included and apart.",
        discussion: """
            Each decision is one arrival of the paper mix's three kinds (stream, deadline, workflow \
            call) routed over N endpoint snapshots with varied load: `decide` alone, and the whole \
            pick (`prepare`: the length estimate; `decide`; the `didRoute` bookkeeping). Requests \
            finish after 256 more picks, so the picker's record stays at a steady size.
            """
    )

    @Option(help: "Endpoints in the pool.")
    var endpoints = 64

    @Option(help: "Decisions timed per router.")
    var repetitions = 5000

    @Option(help: "Comma-separated routers.")
    var routers = RouterCatalog.names.joined(separator: ",")

    @OptionGroup var lengths: PredictorOptions

    func validate() throws {
        guard endpoints >= 1 else { throw ValidationError("--endpoints must be at least 1") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
        _ = try CommaList.validated(routers, option: "--routers", among: RouterCatalog.names)
    }

    func run() throws {
        let settings = try lengths.lengths(servedModel: "llama-3.1-8b")
        let pool = Self.syntheticPool(endpoints, scrapedAt: Instant(seconds: 99.99))
        print("\(endpoints) endpoints; \(repetitions) decisions per router")
        print("router           decide p50 (µs)  decide p99 (µs)   pick p50 (µs)   pick p99 (µs)")
        for name in CommaList.items(routers) {
            var router = try RouterBuilder(name: name, lengths: settings).makeRouter()
            var decideTimes: [Double] = [], pickTimes: [Double] = []
            var inFlight: [(RoutingRequest, String)] = []
            for i in 0..<repetitions {
                let now = Instant(seconds: 100 + Double(i) * 0.01)
                var request = makeRequest(i, at: now)
                let started = ContinuousClock.now
                router.prepare(&request)
                let decideStarted = ContinuousClock.now
                let decision = router.decide(request, endpoints: pool, now: now)
                decideTimes.append((ContinuousClock.now - decideStarted).seconds)
                if let pick = decision.primary {
                    router.didRoute(request, to: pool[pick].endpoint, at: now)
                    pickTimes.append((ContinuousClock.now - started).seconds)
                    inFlight.append((request, pool[pick].endpoint))
                } else {
                    router.didShed(request, at: now)
                    pickTimes.append((ContinuousClock.now - started).seconds)
                }
                if inFlight.count > 256 {
                    let (done, endpoint) = inFlight.removeFirst()
                    router.didFinish(done, at: endpoint, outputTokenCount: 100, now: now)
                }
            }
            let decide = LatencySummary(decideTimes), pick = LatencySummary(pickTimes)
            print(name.padding(toLength: 16, withPad: " ", startingAt: 0)
                  + String(format: " %16.1f %16.1f %15.1f %15.1f", decide.p50 * 1e6, decide.p99 * 1e6, pick.p50 * 1e6, pick.p99 * 1e6))
        }
    }

    /// `count` endpoints with pseudo-random load: queues of 0–40, KV 0–100 %, iterations of
    /// 15–150 ms (also what `bench route` asks the ext_proc picker to choose among).
    static func syntheticPool(_ count: Int, scrapedAt: Instant) -> [ReplicaSnapshot] {
        var random = SplitMix64(seed: 7)
        return (0..<count).map { i in
            let running = random.nextInt(below: 64), waiting = random.nextInt(below: 40)
            let load = ReplicaLoad(
                iterationSeconds: 0.015 + Double(random.nextInt(below: 135)) / 1000,
                committedTokens: (running + waiting) * 600, pendingPrefillTokens: waiting * 1500,
                requiredTokenRate: Double(random.nextInt(below: 30_000)),
                minLaxitySeconds: Double(random.nextInt(below: 5000)) / 1000, lateRequestCount: random.nextInt(below: 5),
                workflowCallCount: random.nextInt(below: 20), maxRunning: 256, maxBatchedTokens: 2048,
                kvCapacityTokens: 400_000)
            return ReplicaSnapshot(
                endpoint: "10.0.\(i / 250).\(i % 250):8000", scrapedAt: scrapedAt, waitingCount: waiting,
                runningCount: running, kvCacheUsage: Double(random.nextInt(below: 100)) / 100, load: load)
        }
    }

    /// Streams, deadline requests and workflow calls in turn (workflows of 8 calls).
    private func makeRequest(_ i: Int, at now: Instant) -> RoutingRequest {
        let slo: SLO
        switch i % 3 {
        case 0: slo = .latency(ttft: .milliseconds(800 * (1 + i % 4)), tbt: .milliseconds(80 * (1 + i % 4)))
        case 1: slo = .deadline(ttlt: .seconds(8 * (1 + i % 4)))
        default:
            slo = .compound(CompoundSLO(workflowID: WorkflowID(UInt64(i / 24)), stage: (i / 3) % 8,
                                        workflowStartedAt: now - .seconds(5), deadline: .seconds(120)))
        }
        return RoutingRequest(
            id: RequestID(UInt64(i + 1)), arrivedAt: now, promptTokenCount: 200 + (i * 7919) % 3000,
            maxOutputTokens: 4096, slo: slo, application: ["chat", "code", "metagpt"][i % 3])
    }
}
