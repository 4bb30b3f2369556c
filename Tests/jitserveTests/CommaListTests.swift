import Testing
@testable import jitserve

/// Comma-separated options: every bench command refuses an empty list, an empty entry and a
/// name twice, and reads spaces around entries as nothing.
@Suite struct CommaListTests {
    @Test func aListIsTrimmedAndRefusedWhenEmptyOrRepeated() throws {
        #expect(try CommaList.validated(" sjf, jitserve ", option: "--schedulers") == ["sjf", "jitserve"])
        #expect(CommaList.items("sjf,,jitserve,") == ["sjf", "jitserve"])
        for bad in ["", " ", ",", "sjf,", "sjf,,jitserve", "sjf,sjf", "sjf, sjf"] {
            #expect(throws: (any Error).self, "'\(bad)'") { try CommaList.validated(bad, option: "--schedulers") }
        }
        #expect(try SeedList.parse("3, 1,2") == [3, 1, 2])
        for bad in ["", "1,", "1,x", "1,1", "1,01", "-1"] {
            #expect(throws: (any Error).self, "'\(bad)'") { try SeedList.parse(bad) }
        }
    }

    @Test func everyBenchCommandRefusesAnEmptyListInsteadOfRunningNothing() throws {
        let refused: [[String]] = [
            ["paper", "--seeds", ""], ["paper", "--schedulers", ""], ["paper", "--schedulers", "sjf,sjf"],
            ["paper", "--router", ""],
            ["scale", "--seeds", ""], ["scale", "--routers", ""], ["scale", "--schedulers", ","],
            ["scale", "--replicas", "1,,2"],
            ["matrix", "--schedulers", "jitserve,"],
            ["scheduler", "--schedulers", ""], ["scheduler", "--running=-1"],
            ["router", "--routers", ""], ["router", "--routers", "nope"],
            ["simulator", "--schedulers", ""],
        ]
        for arguments in refused {
            #expect(throws: (any Error).self, "\(arguments)") { try BenchCommand.parseAsRoot(arguments) }
        }
        let command = try BenchCommand.parseAsRoot(["paper", "--schedulers", "sjf, jitserve", "--seeds", "2, 1"])
        let paper = try #require(command as? BenchPaperCommand)
        #expect(paper.policyNames() == ["sjf", "jitserve"])
        #expect(try paper.seedList() == [2, 1])
    }
}
