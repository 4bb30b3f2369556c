import JITServeCore
import JITServeEngine
import JITServeSetup
import Testing

@Suite struct EngineBuilderTests {
    struct Truth: OutputLengthPredictor, WorkflowPredictor {
        let name = "truth"
        func distribution(for request: Request) -> LengthDistribution { .exactly(7) }
        func estimate(
            workflowID: WorkflowID, application: String?, slo: CompoundSLO, completed: [CallObservation], arriving: Request
        ) -> WorkflowEstimate {
            WorkflowEstimate(remainingStageCount: 0, remainingFutureOutputTokens: 0, currentStageDueAt: slo.dueAt)
        }
    }

    let truth = OracleKnowledge(lengths: Truth(), workflows: Truth())
    /// No forest: bounds start at max_tokens, calibrated online as everywhere.
    let noForest = LengthEstimatorSettings(forest: nil, servedModel: "test-model")

    @Test func everyNonOraclePolicyIsToldTheSameEstimates() throws {
        var wirings: [EngineWiring] = []
        for policy in ["jitserve", "sjf", "vllm"] {
            let builder = try EngineBuilder(policy: policy, lengths: noForest)
            // Even when a trace could tell the truth, a non-oracle policy is not told it.
            wirings.append(try builder.makeEngine(executor: EchoExecutor(), oracle: { truth }).wiring)
            #expect(builder.lengthPredictorName == "max-tokens+app+cal")
        }
        #expect(Set(wirings.map(\.lengthPredictor)).count == 1)
        #expect(Set(wirings.map(\.workflowPredictor)).count == 1)
        #expect(wirings[0].lengthPredictor.contains("ApplicationLengthPredictor"))
        #expect(wirings[0].lengthPredictor.contains("MaxTokensLengthPredictor"))
        #expect(wirings[0].workflowPredictor?.contains("WorkflowPatternAnalyzer") == true)
        #expect(wirings[0].scheduler != wirings[1].scheduler)
    }

    @Test func anOraclePolicyIsToldTheTruthAndOnlyFromATrace() throws {
        let builder = try EngineBuilder(policy: "jitserve-oracle", lengths: noForest)
        #expect(throws: SetupError.oracleNeedsTrace(policy: "jitserve-oracle")) {
            try builder.makeEngine(executor: EchoExecutor())
        }
        let engine = try builder.makeEngine(executor: EchoExecutor(), oracle: { truth })
        #expect(engine.wiring.lengthPredictor.contains("Truth"))
        #expect(engine.wiring.workflowPredictor?.contains("Truth") == true)
        #expect(builder.lengthPredictorName == "oracle")
    }

    @Test func theEngineGetsTheBuildersLimitsAndCodec() throws {
        let configuration = EngineConfiguration(maxBatchedTokens: 64, maxRunning: 3, rejectsOutputBeyondContext: true)
        let engine = try EngineBuilder(policy: "sarathi", lengths: noForest, configuration: configuration)
            .makeEngine(executor: EchoExecutor(maxModelLength: 100), textCodec: ByteCodec())
        #expect(engine.configuration == configuration)
        #expect(engine.limits.rejectsOutputBeyondContext && engine.limits.maxModelLength == 100)
        #expect(engine.textCodec != nil)
    }

    @Test func anUnknownPolicyIsRefused() {
        #expect(throws: (any Error).self) { try EngineBuilder(policy: "fastest", lengths: self.noForest) }
    }
}
