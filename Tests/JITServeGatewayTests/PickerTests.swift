import JITServeCore
import JITServeRouter
import Testing

@testable import JITServeGateway

@Suite struct PickerTests {
    func request() -> RoutingRequest {
        RoutingRequest(
            id: RequestID(0), arrivedAt: Instant(seconds: 0), promptTokenCount: 10, maxOutputTokens: 20,
            slo: .latency(ttft: .seconds(1), tbt: .milliseconds(100)))
    }

    @Test func picksTheLeastLoadedAndNamesFallbacks() async throws {
        let picker = try GatewayFixture.picker(table: try GatewayFixture.table(held: [5, 1, 3]))
        let (placed, outcome) = picker.pick(request())
        #expect(outcome == .route(["10.0.0.2:8000", "10.0.0.3:8000", "10.0.0.1:8000"]))
        #expect(placed.id != RequestID(0))
        #expect(picker.inFlightCount == 1)
    }

    @Test func assumesAPickedEndpointsLoadUntilItsResponseEnds() async throws {
        // Equal gauges: a picker that forgot its own picks would send both to the first.
        let picker = try GatewayFixture.picker(table: try GatewayFixture.table(held: [0, 0, 0]))
        let first = picker.pick(request())
        let second = picker.pick(request())
        #expect(first.outcome.endpoints.first != second.outcome.endpoints.first)
        picker.finish(first.request.id, outputTokenCount: 20)
        picker.finish(second.request.id, outputTokenCount: nil)
        #expect(picker.inFlightCount == 0)
        let third = picker.pick(request())
        #expect(third.outcome.endpoints.first == "10.0.0.1:8000")
    }

    @Test func aServedFallbackCarriesTheLoadInstead() async throws {
        let picker = try GatewayFixture.picker(table: try GatewayFixture.table(held: [0, 0, 0]))
        let first = picker.pick(request())
        #expect(first.outcome.endpoints.first == "10.0.0.1:8000")
        // The first refused; the request ran on the third: that is where its load is now.
        picker.served(first.request.id, at: "10.0.0.3:8000")
        let second = picker.pick(request())
        #expect(second.outcome.endpoints.first == "10.0.0.1:8000")
        let third = picker.pick(request())
        #expect(third.outcome.endpoints.first == "10.0.0.2:8000")
    }

    @Test func neverNamesAnEndpointThatIsNotReady() async throws {
        let picker = try GatewayFixture.picker("round-robin", table: try GatewayFixture.table(down: [1]))
        for _ in 0..<6 {
            let (_, outcome) = picker.pick(request())
            #expect(!outcome.endpoints.isEmpty)
            #expect(!outcome.endpoints.contains("10.0.0.2:8000"))
        }
    }

    @Test func noneReadyWhenEveryEndpointIsDown() async throws {
        let picker = try GatewayFixture.picker(table: try GatewayFixture.table(down: [0, 1, 2]))
        #expect(picker.pick(request()).outcome == .noneReady)
        #expect(picker.counts.noneReady == 1)
    }

    @Test func theSubsetHintNarrowsTheChoice() async throws {
        let picker = try GatewayFixture.picker(table: try GatewayFixture.table(held: [0, 9, 9]))
        let (_, outcome) = picker.pick(request(), subset: ["10.0.0.3:8000"])
        #expect(outcome == .route(["10.0.0.3:8000"]))
        let (_, none) = picker.pick(request(), subset: ["10.9.9.9:1"])
        #expect(none == .noneReady)
    }

    @Test func aFinalCallEndsItsWorkflowsPlacement() async throws {
        let picker = try GatewayFixture.picker(table: try GatewayFixture.table(held: [0, 0, 0]))
        func call(_ workflow: UInt64) -> RoutingRequest {
            var r = request()
            r.slo = .compound(CompoundSLO(workflowID: WorkflowID(workflow), stage: 0, workflowStartedAt: .zero, deadline: .seconds(60)))
            return r
        }
        let first = picker.pick(call(1))
        // Workflow 1's next call goes home even though that replica now has more load.
        let second = picker.pick(call(1), isFinalCall: true)
        #expect(second.outcome.endpoints.first == first.outcome.endpoints.first)
        picker.finish(first.request.id, outputTokenCount: 5)
        picker.finish(second.request.id, outputTokenCount: 5)
        let other = picker.pick(request())
        let again = picker.pick(call(1))
        // Forgotten: placed by load like any new workflow (the first endpoint holds `other`).
        #expect(again.outcome.endpoints.first != other.outcome.endpoints.first)
    }
}
