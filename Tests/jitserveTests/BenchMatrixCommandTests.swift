import ArgumentParser
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
}
