import ArgumentParser
import Foundation
import JITServeSimulation
import Testing

@testable import jitserve

@Suite struct BenchMatrixCommandTests {
    @Test func loadsDefaultToTheIssuesThreeMultiples() throws {
        let command = try BenchMatrixCommand.parseAsRoot([]) as! BenchMatrixCommand
        #expect(try command.loadMultiples() == [0.5, 1, 2])
    }

    @Test func loadsReachDeepOverloadWhenAsked() throws {
        let command = try BenchMatrixCommand.parseAsRoot(["--loads", "5, 10"]) as! BenchMatrixCommand
        #expect(try command.loadMultiples() == [5, 10])
    }

    @Test(arguments: ["0", "-1", "x", "", "2,2", "inf"])
    func aLoadThatIsNotAPositiveMultipleOnceIsRefused(loads: String) {
        #expect(throws: (any Error).self) { try BenchMatrixCommand.parseAsRoot(["--loads", loads]) }
    }

    @Test func aTraceFileJoinsTheWorkloadAxis() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-\(UUID().uuidString).csv").path
        let rows = (0..<400).map { "\(Double($0) * 0.5),\(100 + $0 % 50),\(20 + $0 % 30)" }.joined(separator: "\n")
        try ("arrived_at,num_prefill_tokens,num_decode_tokens\n" + rows).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try BenchMatrixCommand.parseAsRoot(["--quick", "--workloads", "azure-conv,\(path)"]) as! BenchMatrixCommand
        let grid = try command.grid()
        #expect(grid.workloads.last == path)
        let cells = BenchmarkMatrix.quickCells(of: grid).filter { $0.workload == path }
        #expect(cells.map(\.loadMultiple) == [0.5, 1, 2])
        let planned = try command.plan(cells)
        #expect(planned.allSatisfy { $0.saturation.saturatingRate > 0 && $0.rate == $0.cell.loadMultiple * $0.saturation.saturatingRate })
        #expect(cells[0].label.hasSuffix("· \(URL(fileURLWithPath: path).lastPathComponent) · 0.5×"))
        #expect(throws: (any Error).self) { try BenchMatrixCommand.parseAsRoot(["--workloads", path + ".missing"]) }
    }

    @Test func aServeGenDirectoryJoinsTheWorkloadAxisAndAPlainDirectoryDoesNot() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-servegen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: (any Error).self) { try BenchMatrixCommand.parseAsRoot(["--workloads", dir.path]) }
        try "0,1.0,1.0,Gamma,1.0,1.0\r\n".write(to: dir.appendingPathComponent("chunk-0-trace.csv"), atomically: true, encoding: .utf8)
        try #"{"0": {"input_tokens": "{300: 1.0}", "output_tokens": "{40: 0.5, 90: 0.5}"}}"#
            .write(to: dir.appendingPathComponent("chunk-0-dataset.json"), atomically: true, encoding: .utf8)
        let command = try BenchMatrixCommand.parseAsRoot(["--quick", "--workloads", dir.path]) as! BenchMatrixCommand
        let cells = BenchmarkMatrix.quickCells(of: try command.grid()).filter { $0.workload == dir.path }
        #expect(!cells.isEmpty)
        #expect(try command.plan(cells).allSatisfy { $0.saturation.saturatingRate > 0 })
    }

    @Test func seedsDefaultToOneAndAreRefusedWhenMalformed() throws {
        #expect(try (BenchMatrixCommand.parseAsRoot([]) as! BenchMatrixCommand).seedList() == [1])
        #expect(try (BenchMatrixCommand.parseAsRoot(["--seed", "7"]) as! BenchMatrixCommand).seedList() == [7])
        #expect(try (BenchMatrixCommand.parseAsRoot(["--seeds", "3, 1,2"]) as! BenchMatrixCommand).seedList() == [3, 1, 2])
        for bad in [["--seeds", "1,x"], ["--seeds", "1,1"], ["--seeds", ""], ["--seeds", "1,"], ["--seed", "1", "--seeds", "2"]] {
            #expect(throws: (any Error).self, "\(bad)") { try BenchMatrixCommand.parseAsRoot(bad) }
        }
    }

    /// One small cell, run by the matrix's own runner with seeds 1 and 2 and with seed 2 alone.
    func runs(seeds: [UInt64]) throws -> [MatrixReport.CellResult] {
        let command = try BenchMatrixCommand.parseAsRoot(
            ["--quick", "--workloads", "azure-code", "--loads", "1", "--duration", "20"]) as! BenchMatrixCommand
        let cells = try command.plan(BenchmarkMatrix.quickCells(of: command.grid()).filter { $0.workload == "azure-code" })
        let runner = MatrixRunner(
            cells: cells, policies: ["sjf", "jitserve"], lengths: try command.lengths.lengths(servedModel: "llama-3.1-8b"),
            duration: 20, seeds: seeds, admission: nil, maxBatchedTokens: 2048, drain: 60, parallelism: 2)
        return try runner.run().cells
    }

    @Test func everySeedIsADrawEveryPolicyReplaysAndACellsFiguresAreTheirMeans() throws {
        let both = try runs(seeds: [1, 2])
        let alone = try runs(seeds: [2])
        #expect(both.count == 1 && alone.count == 1)
        let cell = both[0]
        #expect(cell.runs.map(\.seed).sorted() == [1, 1, 2, 2])
        // Seed 2's draw is the same whether or not seed 1 ran beside it.
        for policy in ["sjf", "jitserve"] {
            let mine = cell.runs.filter { $0.scheduler == policy }
            // Two different draws, each earning something: a mean of equal or empty runs proves nothing.
            #expect(mine.allSatisfy { $0.tokenGoodput > 0 } && mine[0].tokenGoodput != mine[1].tokenGoodput)
            #expect(mine.first { $0.seed == 2 }?.tokenGoodput == alone[0].figures(policy)?.tokenGoodput)
            let mean = mine.reduce(0) { $0 + $1.tokenGoodput } / 2
            #expect(abs((cell.figures(policy)?.tokenGoodput ?? -1) - mean) < 1e-9)
            #expect(cell.figures(policy)?.seedCount == 2)
        }
        #expect(cell.figures("edf") == nil)
    }

    @Test func theBestBaselineWinsOnAverageNotOnItsLuckiestSeed() throws {
        let template = try runs(seeds: [1])[0]
        func run(_ policy: String, seed: UInt64, goodput: Double) -> SimulationSummary {
            var summary = template.runs[0]
            summary.scheduler = policy
            summary.seed = seed
            summary.tokenGoodput = goodput
            return summary
        }
        let cell = MatrixReport.CellResult(
            cell: template.cell, saturation: template.saturation, rate: template.rate,
            runs: [run("lucky", seed: 1, goodput: 10), run("steady", seed: 1, goodput: 6), run("jitserve", seed: 1, goodput: 6),
                   run("lucky", seed: 2, goodput: 0), run("steady", seed: 2, goodput: 6), run("jitserve", seed: 2, goodput: 9)])
        #expect(cell.bestBaseline?.scheduler == "steady")
        #expect(cell.versusBaseline == 7.5 / 6)
    }
}
