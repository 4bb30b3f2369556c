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
}
