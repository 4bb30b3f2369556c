import Foundation
import JITServeCore
import JITServeSimulation
import Testing

@Suite struct ServeGenPoolTests {
    /// A pool directory as ServeGen ships it: CRLF trace rows (idle ones too), dataset PDFs as
    /// Python dict text; client 9 has a trace but no dataset.
    static func pool() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jitserve-servegen-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func write(_ name: String, _ text: String) throws {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("chunk-1-trace.csv", "0,0,0,,0,0\r\n600,2.0,1.0,Gamma,1.0,0.5\r\n1200,0.5,2.0,Weibull,0.6,1.3\r\n")
        try write("chunk-1-dataset.json", """
            {"0": {"input_tokens": "{100: 0.5, 200: 0.5}", "output_tokens": "{10: 0.25, 30: 0.75}"},
             "1200": {"input_tokens": "{}", "output_tokens": "{7: 1.0}"}}
            """)
        try write("chunk-2-trace.csv", "0,0,0,,0,0\r\n600,1.5,3.0,Gamma,0.11,6.0\r\n1200,0,0,,0,0\r\n")
        try write("chunk-2-dataset.json", """
            {"0": {"input_tokens": "{5: 1.0}", "output_tokens": "{0: 0.5, 400: 0.5}", "reason_ratio": "{0.0: 1.0}"}}
            """)
        try write("chunk-9-trace.csv", "0,50,1,Gamma,1,0.02\r\n")
        return dir
    }

    @Test func drawsEachClientsWindowAtItsRateWithItsLengths() throws {
        let dir = try Self.pool()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pool = try ServeGenPool.load(directory: dir.path)
        #expect(pool.clients.map(\.id) == [1, 2])
        // Window 600 carries 2.0 + 1.5 req/s; client 9 (50 req/s) has no lengths and is left out.
        #expect(pool.busiestWindowStart == 600)
        let trace = pool.trace(seed: 3, start: 600, duration: 600)
        let byClient = Dictionary(grouping: trace.entries, by: { $0.application ?? "" })
        // ⌈rate · 600⌉ gaps scaled to the window; the last lands on its end and is dropped.
        #expect((1199...1200).contains(byClient["client-1"]?.count ?? 0))
        #expect((899...900).contains(byClient["client-2"]?.count ?? 0))
        #expect(trace.entries.allSatisfy { $0.arrivedAt >= .zero && $0.arrivedAt < Instant(seconds: 600) })
        for e in byClient["client-1"] ?? [] {
            #expect([100, 200].contains(e.promptTokenCount) && [10, 30].contains(e.outputTokenCount))
        }
        // A 0-token output is drawn as 1 (every request produces a token).
        #expect(Set((byClient["client-2"] ?? []).map(\.outputTokenCount)) == [1, 400])
        let long = (byClient["client-1"] ?? []).filter { $0.outputTokenCount == 30 }.count
        #expect(abs(Double(long) / 1200 - 0.75) < 0.05)
        // Client 2's gamma shape 0.11 is bursty: its gaps' CV is far above a Poisson process's 1.
        let times = (byClient["client-2"] ?? []).map(\.arrivedAt.seconds).sorted()
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let sd = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count)).squareRoot()
        #expect(sd / mean > 2)
        // The next window: client 1's second period has an empty input PDF, so the first stays in force.
        let later = pool.trace(seed: 3, start: 1200, duration: 600)
        #expect(!later.entries.isEmpty && later.entries.allSatisfy { $0.application == "client-1" && [10, 30].contains($0.outputTokenCount) })
        // Same seed, same draws.
        #expect(pool.trace(seed: 3, start: 600, duration: 600).entries == trace.entries)
    }

    @Test func aWorkloadReplaysThePeakWithEveryClientItsOwnApplication() throws {
        let dir = try Self.pool()
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = try WorkloadCatalog.make(name: dir.path, seed: 1)
        #expect(w.duration == .seconds(600))
        #expect(Set(w.requests.compactMap(\.request.application)) == ["client-1", "client-2"])
        let rescaled = try WorkloadCatalog.make(name: dir.path, rps: 1, duration: .seconds(300), seed: 1)
        #expect(abs(Double(rescaled.requests.count) / 300 - 1) < 0.1)
    }

    @Test func badFilesAreRefusedNamingFileAndLine() throws {
        let dir = try Self.pool()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "0,1.0,1.0,Pareto,1,1\r\n".write(to: dir.appendingPathComponent("chunk-1-trace.csv"), atomically: true, encoding: .utf8)
        do {
            _ = try ServeGenPool.load(directory: dir.path)
            Issue.record("an unknown inter-arrival family loaded")
        } catch {
            #expect("\(error)".contains("chunk-1-trace.csv:1") && "\(error)".contains("Pareto"))
        }
        // A pool of traces without any dataset (ServeGen's language/m-large as copied) says so.
        let bare = dir.appendingPathComponent("bare")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
        try "0,1.0,1.0,Gamma,1,1\r\n".write(to: bare.appendingPathComponent("chunk-3-trace.csv"), atomically: true, encoding: .utf8)
        #expect(ServeGenPool.isPool(directory: bare.path))
        do {
            _ = try ServeGenPool.load(directory: bare.path)
            Issue.record("a pool without datasets loaded")
        } catch {
            #expect("\(error)".contains("chunk-N-dataset.json"))
        }
    }

    @Test(arguments: [(2.0, 3.0), (0.3, 5.0), (1.0, 0.5)])
    func gammaDrawsHaveTheFamilysMeanAndSpread(shape: Double, scale: Double) {
        var g = SplitMix64(seed: 11)
        let draws = (0..<40_000).map { _ in g.nextGamma(shape: shape, scale: scale) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count)
        #expect(abs(mean / (shape * scale) - 1) < 0.05)
        #expect(abs(variance / (shape * scale * scale) - 1) < 0.12)
        #expect(draws.allSatisfy { $0 >= 0 && $0.isFinite })
    }

    @Test func weibullDrawsHaveTheFamilysMedian() {
        var g = SplitMix64(seed: 12)
        // Median of Weibull(k, λ) is λ·(ln 2)^(1/k).
        let draws = (0..<20_001).map { _ in g.nextWeibull(shape: 0.6, scale: 1.3) }.sorted()
        #expect(abs(draws[10_000] / (1.3 * pow(log(2.0), 1 / 0.6)) - 1) < 0.05)
    }
}
