import JITServeCore
import JITServeSimulation
import Testing

@Suite struct MetaGPTTraceTests {
    static let header = "round,node,role,model,created_unix,prompt_tokens,completion_tokens,depends_on\n"

    @Test func roundsBecomeStagesWithTheLoggedTokens() throws {
        let text = Self.header + """
            0,noname,architect,gpt-4-32k,1,182,706,none
            1,a.py,engineer,gpt-4-32k,2,2991,506,all calls of round 0
            1,b.py,engineer,gpt-4-32k,3,2992,822,all calls of round 0
            2,a.py,reviewer,gpt-4-32k,4,3717,308,all calls of round 1
            """
        let specs = try MetaGPTTrace.parse(text, source: "m.csv")
        #expect(specs.count == 1)
        let spec = specs[0]
        #expect(spec.application == "metagpt")
        #expect(spec.stages.map(\.calls.count) == [1, 2, 1])
        #expect(spec.stages[1].calls.map(\.outputTokenCount) == [506, 822])
        #expect(spec.stages[1].calls.map(\.promptTokenCount) == [2991, 2992])
    }

    @Test func aGapInTheRoundsOrABadCountIsRefused() {
        let gap = Self.header + "0,n,architect,m,1,182,706,none\n2,a.py,engineer,m,2,2991,506,x\n"
        #expect(malformedLine { _ = try MetaGPTTrace.parse(gap, source: "m.csv") } == 2)
        let bad = Self.header + "0,n,architect,m,1,182,706,none\n1,a.py,engineer,m,2,2991,0,x\n"
        #expect(malformedLine { _ = try MetaGPTTrace.parse(bad, source: "m.csv") } == 3)
    }

    @Test func resamplingDrawsOutputsFromTheSameRoundOnly() throws {
        let text = Self.header + """
            0,n,architect,m,1,100,700,none
            1,a,engineer,m,2,3000,10,x
            1,b,engineer,m,2,3000,20,x
            1,c,engineer,m,2,3000,30,x
            2,a,reviewer,m,2,4000,1000,x
            2,b,reviewer,m,2,4000,2000,x
            """
        let real = try #require(try MetaGPTTrace.parse(text, source: "m.csv").first)
        let variants = MetaGPTTrace.variants(of: real, count: 50, seed: 9)
        #expect(Set(variants.map(\.id)).count == 50)
        for variant in variants {
            #expect(variant.stages.map(\.calls.count) == [1, 3, 2])
            #expect(variant.stages[0].calls == real.stages[0].calls)
            #expect(variant.stages[1].calls.allSatisfy { [10, 20, 30].contains($0.outputTokenCount) })
            #expect(variant.stages[2].calls.allSatisfy { [1000, 2000].contains($0.outputTokenCount) })
            #expect(variant.stages[2].calls.allSatisfy { $0.promptTokenCount == 4000 })
        }
        // The bootstrap actually varies the outputs.
        #expect(Set(variants.map(\.outputTokenCount)).count > 5)
        // Same seed, same variants.
        let again = MetaGPTTrace.variants(of: real, count: 50, seed: 9)
        #expect(again.map(\.stages) == variants.map(\.stages))
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func realSummaryIsOneRunOfEightRounds() throws {
        let specs = try MetaGPTTrace.load(path: SharedData.path("parrot_metagpt/metagpt_calls_summary.csv"))
        #expect(specs.count == 1)
        #expect(specs[0].stages.map(\.calls.count) == [1] + Array(repeating: 8, count: 7))
        #expect(specs[0].callCount == 57)
    }
}
