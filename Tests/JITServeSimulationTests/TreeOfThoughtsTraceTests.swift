import JITServeCore
import JITServeSimulation
import Testing

@Suite struct TreeOfThoughtsTraceTests {
    static let header =
        "task_idx,step,n_propose_calls,n_value_calls,n_selected,task_prompt_tokens,task_completion_tokens,task_success\n"

    @Test func eachStepIsAProposeStageThenAValueStage() throws {
        let text = Self.header + """
            7,0,1,4,5,100000,50000,1
            7,1,2,3,5,100000,50000,1
            8,0,1,2,5,300,200,0
            """
        let specs = try TreeOfThoughtsTrace.parse(text, source: "tot.csv")
        #expect(specs.map(\.id) == [WorkflowID(7), WorkflowID(8)])
        let first = specs[0]
        #expect(first.application == "tot")
        #expect(first.stages.map(\.calls.count) == [1, 4, 2, 3])
        // The task's totals are split exactly.
        #expect(first.totalPromptTokenCount == 100_000)
        #expect(first.outputTokenCount == 50_000)
        // Calls of a kind share alike; kinds in the fitted proportions (up to rounding).
        let propose = first.stages[0].calls[0], value = first.stages[1].calls[0]
        #expect(first.stages[2].calls.allSatisfy { abs($0.promptTokenCount - propose.promptTokenCount) <= 1 })
        #expect(abs(Double(value.promptTokenCount) / Double(propose.promptTokenCount) - 360.5 / 203.7) < 0.002)
        #expect(abs(Double(value.outputTokenCount) / Double(propose.outputTokenCount) - 164.2 / 40.1) < 0.01)
        #expect(specs[1].totalPromptTokenCount == 300 && specs[1].outputTokenCount == 200)
    }

    @Test func realValueCallCountsReplaceCandidateCountsWhenGiven() throws {
        let text = """
            task_idx,step,n_propose_calls,n_value_calls,n_selected,task_prompt_tokens,task_completion_tokens,task_success,n_value_api_calls
            1,0,1,12,5,5000,1000,1,9
            1,1,5,30,5,5000,1000,1,0
            """
        let spec = try #require(try TreeOfThoughtsTrace.parse(text, source: "api.csv").first)
        // The second step's value stage made no API call (all cached), so it disappears.
        #expect(spec.stages.map(\.calls.count) == [1, 9, 5])
        #expect(spec.totalPromptTokenCount == 5000 && spec.outputTokenCount == 1000)
    }

    @Test func stepsAreOrderedAndEmptyStagesDropped() throws {
        let text = Self.header + "1,1,5,0,0,100,100,0\n1,0,1,3,5,100,100,0\n"
        let spec = try #require(try TreeOfThoughtsTrace.parse(text, source: "t.csv").first)
        #expect(spec.stages.map(\.calls.count) == [1, 3, 5])
    }

    @Test func inconsistentTotalsNameTheLine() {
        let text = Self.header + "1,0,1,3,5,100,100,0\n1,1,5,2,5,101,100,0\n"
        #expect(malformedLine { _ = try TreeOfThoughtsTrace.parse(text, source: "t.csv") } == 3)
    }

    @Test func repeatedStepAndBadNumbersNameTheLine() {
        let repeated = Self.header + "1,0,1,3,5,100,100,0\n1,0,1,3,5,100,100,0\n"
        #expect(malformedLine { _ = try TreeOfThoughtsTrace.parse(repeated, source: "t.csv") } == 3)
        let negative = Self.header + "1,0,1,3,5,100,100,0\n2,0,-1,3,5,100,100,0\n"
        #expect(malformedLine { _ = try TreeOfThoughtsTrace.parse(negative, source: "t.csv") } == 3)
        let tooFewTokens = Self.header + "1,0,1,3,5,100,100,0\n2,0,5,30,5,20,100,0\n"
        #expect(malformedLine { _ = try TreeOfThoughtsTrace.parse(tooFewTokens, source: "t.csv") } == 3)
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func shippedSummaryKeepsTheTotalsAndCutsOnlyValueCalls() throws {
        let shared = try TreeOfThoughtsTrace.load(path: SharedData.path("tot_game24/tot_game24_calls_summary.csv"))
        let shipped = try TreeOfThoughtsTrace.load(path: WorkloadResource.treeOfThoughts.path())
        #expect(shipped.map(\.id) == shared.map(\.id))
        for (a, b) in zip(shipped, shared) {
            #expect(a.totalPromptTokenCount == b.totalPromptTokenCount && a.outputTokenCount == b.outputTokenCount)
            #expect(a.callCount < b.callCount)
        }
        // About 2,946 value calls reached the API against 8,2xx candidates.
        let valueCalls = shipped.reduce(0) { $0 + $1.callCount } - 16 * shipped.count
        #expect(valueCalls > 2000 && valueCalls < 4000)
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func realSummaryGivesOneHundredEightStageTasks() throws {
        let specs = try TreeOfThoughtsTrace.load(path: SharedData.path("tot_game24/tot_game24_calls_summary.csv"))
        #expect(specs.count == 100)
        #expect(specs.allSatisfy { $0.stages.count == 8 })
        // Every task makes 1 + 5 + 5 + 5 propose calls.
        #expect(specs.allSatisfy { spec in
            stride(from: 0, to: 8, by: 2).map { spec.stages[$0].calls.count } == [1, 5, 5, 5]
        })
        #expect(specs.allSatisfy { $0.stages.allSatisfy { $0.calls.allSatisfy {
            $0.promptTokenCount >= 1 && $0.outputTokenCount >= 1 } } })
    }
}
