import Foundation
import JITServeCore
import JITServeSimulation
import Testing

@Suite struct WorkloadCatalogTests {
    static let trace = try! ArrivalTrace.parse(
        "arrived_at,num_prefill_tokens,num_decode_tokens\n0,10,1\n1,20,2\n3,30,3\n10,40,4\n",
        source: "four.csv")

    @Test func rescalingHitsTheRequestedMeanRate() throws {
        let w = try TraceReplay(name: "t", trace: Self.trace, sloKind: .latency, application: "chat", rate: 2, seed: 0)
            .make()
        let times = w.requests.map(\.request.arrivedAt.seconds)
        // Three gaps of mean 1/2 s: the last arrival at 1.5 s, the others scaled alike.
        #expect(abs(times.last! - 1.5) < 1e-12)
        #expect(abs(times[1] - 0.15) < 1e-12)
        #expect(abs(w.duration.seconds - 1.5) < 1e-12)
    }

    @Test func aLengthOnlyTraceGetsPoissonArrivalsAtTheRate() throws {
        let rows = (1...4000).map { "\(10 + $0 % 7),\(1 + $0 % 5)" }.joined(separator: "\n")
        let trace = try ArrivalTrace.parse("num_prefill_tokens,num_decode_tokens\n" + rows, source: "lengths.csv")
        let all = try TraceReplay(name: "t", trace: trace, sloKind: .latency, application: "chat", rate: 4, seed: 3)
            .make()
        #expect(all.requests.count == 4000)
        // Rows in file order; a Poisson process of rate 4 spans about 1000 s over 4000 arrivals
        // (standard deviation ~16 s).
        #expect(all.requests.map(\.request.promptTokenCount) == trace.entries.map(\.promptTokenCount))
        let times = all.requests.map(\.request.arrivedAt.seconds)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
        #expect(abs(times.last! - 1000) < 80)
        #expect(abs(all.duration.seconds - times.last!) < 1e-9)
        let window = try TraceReplay(
            name: "t", trace: trace, sloKind: .latency, application: "chat", rate: 4, duration: .seconds(100), seed: 3
        ).make()
        #expect(window.requests.count > 300 && window.requests.count < 500)
        #expect(window.requests.map(\.request.arrivedAt.seconds) == Array(times.prefix(window.requests.count)))
        let reseeded = try TraceReplay(name: "t", trace: trace, sloKind: .latency, application: "chat", rate: 4, seed: 4)
            .make()
        #expect(reseeded.requests.map(\.request.arrivedAt) != all.requests.map(\.request.arrivedAt))
    }

    @Test func aLengthOnlyTraceNeedsARate() throws {
        let trace = try ArrivalTrace.parse("num_prefill_tokens,num_decode_tokens\n10,2\n", source: "l.csv")
        #expect(throws: SimulationError.self) {
            _ = try TraceReplay(name: "t", trace: trace, sloKind: .latency, application: "chat", seed: 0)
        }
    }

    @Test func aWindowKeepsOnlyItsArrivals() throws {
        let w = try TraceReplay(
            name: "t", trace: Self.trace, sloKind: .deadline, application: "code", duration: .seconds(3), seed: 0
        ).make()
        #expect(w.requests.map(\.outputTokenCount) == [1, 2])
        #expect(w.duration == .seconds(3))
        #expect(w.requests.allSatisfy { $0.request.kind == .deadline })
    }

    @Test func wholeAzureConvReplaysAtRealTimestamps() throws {
        let w = try WorkloadCatalog.make(name: "azure-conv", seed: 5)
        #expect(w.requests.count == 19_366)
        #expect(w.workflows.isEmpty)
        #expect(w.requests.allSatisfy { $0.request.kind == .latency })
        #expect(w.requests.first!.request.arrivedAt == .zero)
        #expect(abs(w.duration.seconds - w.requests.last!.request.arrivedAt.seconds) < 1e-9)
        let ids = w.requests.map(\.request.id.rawValue)
        #expect(ids == Array(1...UInt64(ids.count)))
    }

    @Test func azureCodeCarriesDeadlinesAndRescales() throws {
        let w = try WorkloadCatalog.make(name: "azure-code", rps: 10, seed: 5)
        #expect(w.requests.count == 8_819)
        #expect(w.requests.allSatisfy { $0.request.kind == .deadline })
        let span = w.requests.last!.request.arrivedAt.seconds
        #expect(abs(Double(w.requests.count - 1) / span - 10) < 1e-6)
        let window = try WorkloadCatalog.make(name: "azure-code", duration: .seconds(60), seed: 5)
        #expect(window.requests.allSatisfy { $0.request.arrivedAt.seconds < 60 })
        #expect(window.requests.count > 10 && window.requests.count < 8_819)
    }

    @Test func tracePathsAreDetectedByHeader() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jitserve-trace-\(UUID()).csv")
        try "arrived_at,num_prefill_tokens,num_decode_tokens\n0,10,1\n2,20,2\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let w = try WorkloadCatalog.make(name: url.path, seed: 1, traceSLO: .deadline)
        #expect(w.requests.map(\.request.promptTokenCount) == [10, 20])
        #expect(w.requests.allSatisfy { $0.request.kind == .deadline })
    }

    @Test func badNamesAndNumbersAreRefusedWithTheOptionNamed() {
        #expect(throws: SimulationError.unknownWorkload(name: "mystery", valid: WorkloadCatalog.names)) {
            try WorkloadCatalog.make(name: "mystery")
        }
        #expect(throws: SimulationError.unreadableFile(path: "/no/such/trace.csv", reason: "no such file")) {
            try WorkloadCatalog.make(name: "/no/such/trace.csv")
        }
        for rate in [0.0, -1, .nan, .infinity] {
            #expect(optionNamed { try WorkloadCatalog.make(name: "paper-mix", rps: rate) } == "--rps")
        }
        for seconds in [0.0, -5] {
            #expect(optionNamed { try WorkloadCatalog.make(name: "azure-conv", duration: .seconds(seconds)) } == "--duration")
        }
        #expect("\(SimulationError.unknownWorkload(name: "x", valid: WorkloadCatalog.names))".contains("paper-mix, artifact, azure-conv, azure-code"))
    }

    @Test func aRateThatWouldDrawMoreThanTheCapIsRefusedBeforeAnyArrivalIsDrawn() {
        // 1e9 req/s over the mixes' default 600-s window: refused at once, not minutes later.
        for name in ["paper-mix", "artifact"] {
            #expect(optionNamed { try WorkloadCatalog.make(name: name, rps: 1e9) } == "--rps")
        }
        #expect(optionNamed { try WorkloadCatalog.make(name: "azure-conv", rps: 1e6, duration: .seconds(3600)) } == "--rps")
        // Just under the cap the check lets it through (built for one second, not the window).
        #expect(throws: Never.self) { try PaperMix.validate(rate: 1e6, duration: .seconds(10)) }
    }

    @Test func aTraceWithoutASpanCannotBeRescaled() throws {
        let single = try ArrivalTrace.parse("arrived_at,num_prefill_tokens,num_decode_tokens\n4,10,1\n", source: "one.csv")
        #expect(optionNamed {
            _ = try TraceReplay(name: "t", trace: single, sloKind: .latency, application: "x", rate: 1, seed: 0)
        } == "--rps")
    }
}

private func optionNamed(_ body: () throws -> Any) -> String? {
    do {
        _ = try body()
    } catch let SimulationError.invalidOption(option, _, _) {
        return option
    } catch {
        return nil
    }
    return nil
}
