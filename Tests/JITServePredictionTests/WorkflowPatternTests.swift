import JITServeCore
import JITServePrediction
import Testing

/// Observations of a workflow with `shape[i]` calls in stage i; stage i's calls take
/// `seconds[i]` each and start when stage i − 1 ends.
func observations(shape: [Int], seconds: [Double], prompt: Int = 500, output: Int = 100) -> [CallObservation] {
    var calls: [CallObservation] = []
    var t = 0.0
    for (stage, count) in shape.enumerated() {
        for _ in 0..<count {
            calls.append(CallObservation(stage: stage, promptTokenCount: prompt, outputTokenCount: output,
                                         startedAt: Instant(seconds: t), finishedAt: Instant(seconds: t + seconds[stage])))
        }
        t += seconds[stage]
    }
    return calls
}

@Suite struct WorkflowPatternTests {
    @Test func workSharesFollowEachStagesSlowestCall() throws {
        // Stage 1's slowest call: 300 output + 1,000/50 prompt = 320 steps; stages 0 and 2: 80.
        var calls = observations(shape: [1, 4, 2], seconds: [5, 1, 5], prompt: 1_000, output: 60)
        calls[2].outputTokenCount = 300
        let pattern = try #require(WorkflowPattern(calls: calls))
        #expect(pattern.stages.map(\.callCount) == [1, 4, 2])
        let shares = pattern.stages.map(\.workShare)
        // Wall times (5, 1, 5 s) do not enter: the shares are 80 : 320 : 80.
        #expect(abs(shares[0] - 1.0 / 6) < 1e-9 && abs(shares[1] - 4.0 / 6) < 1e-9 && abs(shares[2] - 1.0 / 6) < 1e-9)
        #expect(WorkflowPattern(calls: []) == nil)
    }

    @Test func similarityIsSymmetricAndHighestForIdenticalGraphs() throws {
        let shapes: [[Int]] = [[1, 4, 2], [1, 4, 2, 3], [2, 2], [1, 8, 8, 8], [5]]
        let patterns = try shapes.enumerated().map { k, shape in
            try #require(WorkflowPattern(calls: observations(
                shape: shape, seconds: Array(repeating: 1, count: shape.count), prompt: 100 * (k + 1), output: 50 + 10 * k)))
        }
        for a in patterns {
            #expect(abs(WorkflowPattern.similarity(a, a) - 1) < 1e-12)
            for b in patterns {
                let ab = WorkflowPattern.similarity(a, b), ba = WorkflowPattern.similarity(b, a)
                #expect(abs(ab - ba) < 1e-12)
                #expect(ab > 0 && ab <= 1)
                if a != b { #expect(ab < WorkflowPattern.similarity(a, a)) }
            }
        }
    }

    @Test func prefixMatchPrefersTheSameShape() throws {
        let a = try #require(WorkflowPattern(calls: observations(shape: [1, 4, 4], seconds: [1, 1, 1], prompt: 200)))
        let b = try #require(WorkflowPattern(calls: observations(shape: [1, 20, 2, 2], seconds: [1, 1, 1, 1], prompt: 3000)))
        let progress = WorkflowProgress(
            completed: observations(shape: [1, 4], seconds: [1, 1], prompt: 200), stage: 2, arrivingPromptTokenCount: 200)
        #expect(progress.currentStageIndex == 2)
        #expect(a.similarity(to: progress) > b.similarity(to: progress))
        #expect(abs(a.similarity(to: progress) - 1) < 1e-9)
    }
}

@Suite struct WorkflowPatternStoreTests {
    @Test func evictionKeepsTheStoreWithinItsBound() throws {
        var store = WorkflowPatternStore(capacity: 10, clustersPerApplication: 3)
        for k in 0..<200 {
            let shape = (0..<(1 + k % 6)).map { 1 + ($0 * 7 + k) % 9 }
            let pattern = try #require(WorkflowPattern(calls: observations(
                shape: shape, seconds: shape.map { Double($0) }, prompt: 50 + k * 13, output: 10 + k % 50)))
            store.insert(pattern, application: k % 3 == 0 ? "a" : "b")
            #expect(store.count <= 10)
            #expect(store.clusterCount <= 6)
        }
        #expect(store.count == 10)
    }

    @Test func evictsTheLeastReusedFirst() throws {
        var store = WorkflowPatternStore(capacity: 2, clustersPerApplication: 4)
        let common = try #require(WorkflowPattern(calls: observations(shape: [1, 3], seconds: [1, 1])))
        let rare = try #require(WorkflowPattern(calls: observations(shape: [6, 6, 6, 6], seconds: [1, 1, 1, 1], prompt: 9000)))
        store.insert(common, application: "x")
        store.insert(rare, application: "x")
        // Near-copies of `common` make it reused; then a third pattern forces an eviction.
        for _ in 0..<3 { store.insert(common, application: "x") }
        let third = try #require(WorkflowPattern(calls: observations(shape: [2, 2, 2], seconds: [1, 1, 1], prompt: 40)))
        store.insert(third, application: "x")
        #expect(store.count == 2)
        let kept = store.allEntries.map(\.pattern)
        #expect(kept.contains(common) && kept.contains(third) && !kept.contains(rare))
    }

    @Test func lookupStaysWithinTheApplication() throws {
        var store = WorkflowPatternStore(capacity: 8)
        let a = try #require(WorkflowPattern(calls: observations(shape: [1, 2], seconds: [1, 1])))
        store.insert(a, application: "a")
        let progress = WorkflowProgress(completed: [], stage: 0, arrivingPromptTokenCount: 500)
        #expect(store.nearest(to: progress, application: "b", count: 3).isEmpty)
        #expect(store.nearest(to: progress, application: "a", count: 3).count == 1)
    }
}

@Suite struct WorkflowPatternAnalyzerTests {
    static func slo(stage: Int) -> CompoundSLO {
        CompoundSLO(workflowID: WorkflowID(9), stage: stage, workflowStartedAt: Instant(seconds: 10), deadline: .seconds(100))
    }

    static func arriving(stage: Int, prompt: Int) -> Request {
        Request(id: RequestID(1), arrivedAt: .zero, promptTokenCount: prompt, maxOutputTokens: 512,
                slo: .compound(slo(stage: stage)), application: "agent")
    }

    @Test func coldStartUsesUniformShares() {
        let analyzer = WorkflowPatternAnalyzer(fallback: UniformShareWorkflowPredictor(expectedStageCounts: ["agent": 4]))
        let estimate = analyzer.estimate(workflowID: WorkflowID(9), application: "agent", slo: Self.slo(stage: 0),
                                         completed: [], arriving: Self.arriving(stage: 0, prompt: 100))
        #expect(estimate.remainingStageCount == 3)
        // Stage 0 of 4: a quarter of the 100 s deadline after the start at t = 10 s.
        #expect(abs(estimate.currentStageDueAt.seconds - 35) < 1e-9)
    }

    @Test func learnedShapesPredictRemainingStagesAndShares() {
        var analyzer = WorkflowPatternAnalyzer(configuration: .init(capacity: 16, minimumFinished: 2))
        // Two kinds of workflow, told apart by their first stage's prompt length:
        // short prompts → 2 stages (shares 0.5, 0.5); long prompts → 5 stages, the first taking 60%
        // of the critical-path work (500 + 5,000/50 = 600 steps, then 90 + 500/50 = 100 per stage).
        for k in 0..<6 {
            var calls = k % 2 == 0
                ? observations(shape: [1, 1], seconds: [1, 1], prompt: 100)
                : observations(shape: [1, 2, 2, 2, 2], seconds: [1, 1, 1, 1, 1], prompt: 500, output: 90)
            if k % 2 == 1 {
                calls[0].promptTokenCount = 5000
                calls[0].outputTokenCount = 500
            }
            analyzer.observeFinished(workflowID: WorkflowID(UInt64(k)), application: "agent", slo: Self.slo(stage: 0), calls: calls)
        }
        let long = analyzer.estimate(workflowID: WorkflowID(9), application: "agent", slo: Self.slo(stage: 0),
                                     completed: [], arriving: Self.arriving(stage: 0, prompt: 5000))
        #expect(long.remainingStageCount == 4)
        #expect(abs(long.currentStageDueAt.seconds - (10 + 60)) < 1)
        #expect(long.remainingFutureOutputTokens == 720)
        // Four stages of two 90-token calls side by side: 360 on the critical path.
        #expect(long.remainingCriticalPathTokens == 360)
        let short = analyzer.estimate(workflowID: WorkflowID(9), application: "agent", slo: Self.slo(stage: 0),
                                      completed: [], arriving: Self.arriving(stage: 0, prompt: 100))
        #expect(short.remainingStageCount == 1)
        #expect(abs(short.currentStageDueAt.seconds - (10 + 50)) < 1)
        // The per-type default only knows the mean stage count (3.5) and spreads time evenly.
        let uniform = analyzer.fallback.estimate(workflowID: WorkflowID(9), application: "agent", slo: Self.slo(stage: 0),
                                                 completed: [], arriving: Self.arriving(stage: 0, prompt: 5000))
        #expect(uniform.remainingStageCount != 4 || abs(uniform.currentStageDueAt.seconds - 70) > 1)
        #expect(analyzer.store.count <= 16)
    }

    @Test func evaluationReplayIsOnline() {
        let spec = WorkflowSpec(id: WorkflowID(1), application: "agent", stages: [
            .init(calls: [.init(promptTokenCount: 100, outputTokenCount: 50)]),
            .init(calls: [.init(promptTokenCount: 200, outputTokenCount: 50), .init(promptTokenCount: 200, outputTokenCount: 80)]),
        ])
        var analyzer = WorkflowPatternAnalyzer(configuration: .init(capacity: 4, minimumFinished: 1))
        let result = WorkflowPredictionEvaluation.run(&analyzer, workflows: Array(repeating: spec, count: 5))
        #expect(result.points == 10)
        // Only the first workflow (2 of 10 points, cold start assuming 4 stages: errors 2 + 2) errs;
        // after it every prediction is of an identical, already seen shape.
        #expect(abs(result.remainingStagesMAE - 0.4) < 1e-9)
        #expect(result.remainingStagesExact == 0.8)
        #expect(analyzer.store.count <= 4)
    }
}
