import JITServeCore
import Testing
import JITServeWire

/// A request's SLO from the body and the headers together, as the server combines them: the
/// body's fields win, the headers fill the gaps, the default applies to what neither says.
struct SLOSpecWireTests {
    @Test func bodyWinsAndHeadersFillTheGaps() throws {
        let body = #"{"prompt": "hi", "slo": {"ttft_ms": 500}}"#
        let request = try GenerationRequest.parse(Array(body.utf8), endpoint: .completion)
        let headers = ["x-slo-ttft-ms": "900", "x-slo-tpot-ms": "40"]
        let spec = request.slo.filling(from: try SLOSpec.parse(headers: { headers[$0] }))
        let slo = try spec.resolve(default: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80))) { _ in
            (WorkflowID(1), .zero)
        }
        #expect(slo == .latency(ttft: .milliseconds(500), tbt: .milliseconds(40)))
    }

    @Test func badHeaderIsA400NamingIt() {
        do {
            _ = try SLOSpec.parse(headers: { $0 == "x-slo-deadline-ms" ? "-3" : nil })
            Issue.record("a negative deadline was accepted")
        } catch {
            #expect(error.status == 400)
            #expect(error.param == "x-slo-deadline-ms")
        }
    }
}
