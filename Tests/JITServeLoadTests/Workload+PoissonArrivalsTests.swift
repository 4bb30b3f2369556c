import JITServeCore
import JITServeSimulation
import Testing

@testable import JITServeLoad

/// A soak's load: the trace's requests re-timed at one constant rate.
@Suite struct WorkloadPoissonArrivalsTests {
    /// A bursty source: `count` requests, all in the first second, lengths 1, 2, 3, …
    static func burst(count: Int) -> Workload {
        let requests = (0..<count).map { k in
            TracedRequest(
                request: Request(
                    id: RequestID(UInt64(k + 1)), arrivedAt: Instant(seconds: Double(k) / Double(count)),
                    promptTokenCount: k + 1, maxOutputTokens: 4096,
                    slo: .latency(ttft: .milliseconds(Int64(500 + k)), tbt: .milliseconds(50)), application: "chat"),
                outputTokenCount: 10 + k)
        }
        return Workload(name: "burst", requests: requests, workflows: [], duration: .seconds(1))
    }

    @Test func theRateIsFlatOverTheWholeWindow() throws {
        let rate = 5.0
        let flat = try Self.burst(count: 500).poissonArrivals(rate: rate, duration: .seconds(600), seed: 7)
        #expect(flat.duration == .seconds(600))
        let times = flat.requests.map(\.request.arrivedAt.seconds)
        #expect(times.allSatisfy { $0 >= 0 && $0 < 600 })
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "arrivals in order")
        // Each minute holds about rate × 60 = 300 arrivals (Poisson: sd ≈ 17; 5 sd either side),
        // where the source had every request in its first second.
        for minute in 0..<10 {
            let n = times.filter { $0 >= Double(minute * 60) && $0 < Double(minute * 60 + 60) }.count
            #expect(abs(n - 300) < 87, "minute \(minute): \(n) arrivals")
        }
    }

    @Test func arrivalsAreTheWorkloadsRequestsDrawnFromAllOfItWithFreshIDs() throws {
        let source = Self.burst(count: 50)
        let flat = try source.poissonArrivals(rate: 2, duration: .seconds(300), seed: 3)
        #expect(flat.requests.count > 100, "more arrivals than the source has: requests are drawn again")
        for traced in flat.requests {
            // burst(count:) ties every field to the prompt length: each arrival is one source request whole.
            let k = traced.request.promptTokenCount - 1
            #expect((0..<50).contains(k))
            #expect(traced.outputTokenCount == 10 + k)
            #expect(traced.request.slo == .latency(ttft: .milliseconds(Int64(500 + k)), tbt: .milliseconds(50)))
            #expect(traced.request.application == "chat")
        }
        // Drawn from the whole workload, not its first requests: the window's first 50 arrivals
        // reach into the second half of the source, and most of the source is drawn at least once.
        #expect(flat.requests.prefix(50).contains { $0.request.promptTokenCount > 25 })
        #expect(Set(flat.requests.map(\.request.promptTokenCount)).count > 40)
        #expect(Set(flat.requests.map(\.request.id)).count == flat.requests.count, "IDs are unique")
    }

    @Test func theSameSeedGivesTheSameArrivals() throws {
        let source = Self.burst(count: 100)
        let a = try source.poissonArrivals(rate: 3, duration: .seconds(60), seed: 11)
        let b = try source.poissonArrivals(rate: 3, duration: .seconds(60), seed: 11)
        let c = try source.poissonArrivals(rate: 3, duration: .seconds(60), seed: 12)
        #expect(a.requests.map(\.request.arrivedAt) == b.requests.map(\.request.arrivedAt))
        #expect(a.requests.map(\.request.arrivedAt) != c.requests.map(\.request.arrivedAt))
    }

    @Test func workflowsAndBadRatesAreRefused() throws {
        let mix = try WorkloadCatalog.make(name: "paper-mix", rps: 0.5, duration: .seconds(60), seed: 1)
        #expect(throws: LoadError.self) { try mix.poissonArrivals(rate: 1, duration: .seconds(60), seed: 1) }
        #expect(throws: LoadError.self) { try Self.burst(count: 5).poissonArrivals(rate: 0, duration: .seconds(60), seed: 1) }
        #expect(throws: LoadError.self) { try Self.burst(count: 5).poissonArrivals(rate: 1, duration: .zero, seed: 1) }
    }
}
