import JITServeCore
import JITServeScheduling
import Testing

@testable import jitserve

@Suite struct BenchAnatomyCommandTests {
    @Test func rejectsAWindowThatIsNotOne() {
        for arguments in [["--from", "-1"], ["--until", "nan"], ["--from", "20", "--until", "10"]] {
            #expect(throws: (any Error).self, "\(arguments)") { _ = try BenchAnatomyCommand.parse(arguments) }
        }
    }

    @Test func countsOnlyTheDecisionsInsideTheWindow() throws {
        let command = try BenchAnatomyCommand.parse(["--from", "1", "--until", "2"])
        #expect(command.window == 1...2)
        #expect(try BenchAnatomyCommand.parse([]).window == 0...Double.infinity)
        let log = DecisionLog()
        let observed = ObservedScheduler(inner: SarathiScheduler(), lens: GMAXScheduler(), log: log, truth: [:],
                                         window: command.window)
        for now in [0.5, 1.0, 1.5, 2.0, 2.5] {
            _ = observed.schedule(SchedulerSnapshot(
                now: Instant(seconds: now), running: [], waiting: [],
                budget: BatchBudget(maxBatchedTokens: 2048, maxRunning: 256, blockSize: 16, freeBlockCount: 1000),
                iterationSeconds: 0.03, workflows: [:]))
        }
        #expect(log.table().hasPrefix("3 decisions"))
    }
}
