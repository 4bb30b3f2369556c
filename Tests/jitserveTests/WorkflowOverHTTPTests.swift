import Foundation
import JITServeCore
import Testing

@testable import jitserve

/// Compound calls sent over HTTP reach the analyzer, and their workflows are freed everywhere
/// when the client says the last call is done, or when they go idle past their deadline.
@Suite(.serialized) struct WorkflowOverHTTPTests {
    static let workflowMaps = ["calls", "estimates", "service_tokens", "names"]

    /// One non-streamed compound call; returns its `usage.jitserve` object.
    func call(
        _ served: ServedJITServe, workflow: String, stage: Int, final: Bool = false, deadlineMs: Int = 40_000,
        outputTokens: Int = 3
    ) async throws -> [String: Any] {
        var headers = [("x-workflow-id", workflow), ("x-workflow-stage", String(stage)), ("x-slo-deadline-ms", String(deadlineMs))]
        if final { headers.append(("x-workflow-final", "true")) }
        let (status, json) = try await served.post(
            "/v1/completions",
            ["prompt": "plan the next step", "max_tokens": 64, "replay_output_tokens": outputTokens, "ignore_eos": true],
            headers: headers.map { (name: $0.0, value: $0.1) })
        #expect(status == 200)
        return ((json["usage"] as? [String: Any])?["jitserve"] as? [String: Any]) ?? [:]
    }

    func estimate(_ usage: [String: Any]) -> (dueMs: Double, remaining: Int)? {
        guard let e = usage["workflow_estimate"] as? [String: Any], let due = e["stage_due_ms"] as? Double,
              let remaining = e["remaining_stages"] as? Int else { return nil }
        return (due, remaining)
    }

    func mapSizes(_ served: ServedJITServe) async throws -> [Double] {
        var sizes: [Double] = []
        for map in Self.workflowMaps { sizes.append(try await served.metric("jitserve:workflow_map_entries", label: "map=\"\(map)\"") ?? -1) }
        return sizes
    }

    /// Polls until the workflow maps reach `sizes` (the engine publishes after its loop).
    func eventually(_ served: ServedJITServe, _ sizes: [Double], within seconds: Double = 10) async throws -> [Double] {
        let end = ContinuousClock.now + .seconds(seconds)
        var last = try await mapSizes(served)
        while last != sizes, ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(50))
            last = try await mapSizes(served)
        }
        return last
    }

    @Test func aCompoundCallGetsTheAnalyzersStageSubDeadline() async throws {
        let served = try await ServedJITServe.start(["--executor", "echo", "--scheduler", "jitserve", "--echo-iteration-ms", "1"])
        // Cold: the analyzer's default, four stages sharing the deadline equally.
        let cold = try #require(estimate(try await call(served, workflow: "cold", stage: 0)))
        #expect(cold.remaining == 3)
        #expect(abs(cold.dueMs - 10_000) < 500, "a quarter of 40 s from the workflow's start, got \(cold.dueMs) ms")
        // Three finished two-stage workflows teach it their shape (the final flag ends them).
        for i in 0..<3 {
            _ = try await call(served, workflow: "learn-\(i)", stage: 0, outputTokens: 12)
            _ = try await call(served, workflow: "learn-\(i)", stage: 1, final: true, outputTokens: 2)
        }
        let learnt = try #require(estimate(try await call(served, workflow: "new", stage: 0, outputTokens: 12)))
        #expect(learnt.remaining == 1, "the learnt workflows had two stages")
        #expect(learnt.dueMs < 40_000 && learnt.dueMs != cold.dueMs)
        await served.stop()
    }

    @Test func aFinalWorkflowIsGoneFromEveryMap() async throws {
        let served = try await ServedJITServe.start(["--executor", "echo", "--echo-iteration-ms", "1"])
        _ = try await call(served, workflow: "agent-1", stage: 0)
        #expect(try await eventually(served, [1, 1, 1, 1]) == [1, 1, 1, 1])
        _ = try await call(served, workflow: "agent-1", stage: 1, final: true)
        #expect(try await eventually(served, [0, 0, 0, 0]) == [0, 0, 0, 0])
        await served.stop()
    }

    @Test func anIdleWorkflowIsForgottenPastItsDeadline() async throws {
        let served = try await ServedJITServe.start(
            ["--executor", "echo", "--echo-iteration-ms", "1", "--workflow-idle-timeout", "0.5"])
        _ = try await call(served, workflow: "never-final", stage: 0, deadlineMs: 300)
        #expect(try await mapSizes(served) == [1, 1, 1, 1])
        // Deadline 0.3 s + timeout 0.5 s, swept about once a second.
        #expect(try await eventually(served, [0, 0, 0, 0], within: 5) == [0, 0, 0, 0])
        // The name is free again: the next call starts a new workflow, timed from itself.
        let usage = try await call(served, workflow: "never-final", stage: 0, deadlineMs: 300)
        #expect((usage["slo_met"] as? Bool) == true)
        await served.stop()
    }
}
