import JITServeCore
import JITServeSimulation
import Testing

@Suite struct DeepResearchChainsTests {
    static let header = "conv_id,turn_index,context_tokens_llama3,prompt_tokens_llama3,response_tokens_llama3,prompt_chars,response_chars\n"

    @Test func aChainIsAConversationsFirstTurnsWithTheirContext() throws {
        // Conversation a has 3 turns (listed out of order), b only 2, c 3 with a gap (an empty turn).
        let text = Self.header + """
            a,3,160,20,30,1,1
            a,1,0,10,50,1,1
            b,1,0,5,5,1,1
            a,5,210,40,700,1,1
            b,3,10,5,5,1,1
            c,1,0,10,10,1,1
            c,3,20,0,10,1,1
            c,5,40,10,10,1,1
            """
        let chains = try DeepResearchChains.parse(text, source: "turns.csv", stageCount: 3)
        #expect(chains.count == 1)
        let chain = try #require(chains.first)
        #expect(chain.application == "deep-research")
        #expect(chain.stages.map(\.calls.count) == [1, 1, 1])
        // Each stage re-prefills the conversation so far plus its own prompt.
        #expect(chain.stages.map { $0.calls[0].promptTokenCount } == [10, 180, 250])
        #expect(chain.stages.map { $0.calls[0].outputTokenCount } == [50, 30, 700])
    }

    @Test func longerConversationsGiveTheirFirstStagesOnly() throws {
        let rows = (0..<8).map { "x,\($0),\($0 * 100),10,\($0 + 1),1,1" }.joined(separator: "\n")
        let chains = try DeepResearchChains.parse(Self.header + rows, source: "t.csv", stageCount: 6)
        #expect(chains.first?.stages.map { $0.calls[0].outputTokenCount } == [1, 2, 3, 4, 5, 6])
    }

    @Test func noLongEnoughConversationIsAnErrorNamingTheFile() {
        #expect(throws: SimulationError.self) {
            _ = try DeepResearchChains.parse(Self.header + "a,0,0,10,10,1,1\n", source: "short.csv", stageCount: 6)
        }
        #expect(throws: SimulationError.self) {
            _ = try DeepResearchChains.parse("conv_id,turn_index\n", source: "bad.csv")
        }
    }

    @Test func theShippedTableGivesHundredsOfSixStageChains() throws {
        let chains = try DeepResearchChains.load(path: WorkloadResource.chatLengths.path())
        #expect(chains.count > 200)
        #expect(chains.allSatisfy { $0.stages.count == 6 && $0.callCount == 6 })
        // Context grows along a real conversation: each stage's prompt is longer than the last's.
        let growing = chains.filter { c in zip(c.stages, c.stages.dropFirst()).allSatisfy {
            $0.calls[0].promptTokenCount < $1.calls[0].promptTokenCount } }
        #expect(Double(growing.count) / Double(chains.count) > 0.9)
    }
}
