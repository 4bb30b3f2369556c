import JITServeCore
import JITServeRouter
import Testing

@Suite struct PrometheusSampleTests {
    @Test func readsNamesLabelsValuesAndSkipsCommentsAndTimestamps() throws {
        let text = """
            # HELP vllm:num_requests_running Requests holding KV.
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{model_name="m"} 3
            http_requests_total{method="post",code="200"} 1027 1395066363000
            weird{path="C:\\\\dir\\\\f",quote="say \\"hi\\"",nl="a\\nb"} -1.5e3

            up 1\r
            inf_gauge +Inf
            nan_gauge NaN
            """
        let samples = try PrometheusSample.parse(text)
        #expect(samples.map(\.name) == ["vllm:num_requests_running", "http_requests_total", "weird", "up", "inf_gauge", "nan_gauge"])
        #expect(samples[0].value == 3 && samples[0].label("model_name") == "m")
        #expect(samples[1].value == 1027 && samples[1].label("code") == "200")
        #expect(samples[2].value == -1500)
        #expect(samples[2].label("path") == "C:\\dir\\f")
        #expect(samples[2].label("quote") == "say \"hi\"")
        #expect(samples[2].label("nl") == "a\nb")
        #expect(samples[3].value == 1)
        #expect(samples[4].value == .infinity)
        #expect(samples[5].value.isNaN)
    }

    @Test(arguments: [
        ("a 1\nb{x=\"1\" 2", 2),
        ("a 1\nb notanumber", 2),
        ("a 1\nb 1 extra", 2),
        ("{x=\"1\"} 1", 1),
        ("a{x=1} 1", 1),
        ("a", 1),
    ])
    func reportsTheLineOfMalformedText(text: String, line: Int) {
        #expect(throws: RouterError.self) { try PrometheusSample.parse(text) }
        do {
            _ = try PrometheusSample.parse(text)
        } catch {
            guard case .malformedMetrics(let at, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(at == line)
        }
    }

    @Test func aSnapshotCombinesSeriesOfOneGauge() throws {
        let text = """
            vllm:num_requests_running{model_name="a"} 2
            vllm:num_requests_running{model_name="b"} 3
            vllm:num_requests_waiting{model_name="a"} 4
            vllm:kv_cache_usage_perc{model_name="a"} 0.25
            vllm:kv_cache_usage_perc{model_name="b"} 0.5
            vllm:time_to_first_token_seconds_bucket{le="0.1"} 7
            """
        let snapshot = try ReplicaSnapshot(metrics: text, endpoint: "10.0.0.1:8000", scrapedAt: Instant(seconds: 5))
        #expect(snapshot.runningCount == 5 && snapshot.waitingCount == 4 && snapshot.kvCacheUsage == 0.5)
        #expect(snapshot.load == nil)
        #expect(snapshot.endpoint == "10.0.0.1:8000" && snapshot.scrapedAt == Instant(seconds: 5))
    }

    @Test func aSnapshotWithoutAVLLMGaugeIsAnError() {
        #expect(throws: RouterError.missingGauge("vllm:kv_cache_usage_perc", endpoint: "x")) {
            try ReplicaSnapshot(metrics: "vllm:num_requests_running 1\nvllm:num_requests_waiting 0\n", endpoint: "x", scrapedAt: .zero)
        }
    }

    @Test func gaugesRoundTripThroughASnapshot() throws {
        let original = replica("r", waiting: 3, running: 7, kv: 0.4, iteration: 0.07, pendingPrefill: 900, requiredRate: 1234.5)
        let copy = try ReplicaSnapshot(gauges: original.gauges, endpoint: "r", scrapedAt: original.scrapedAt)
        #expect(copy == original)
        let text = original.gauges.map { "\($0.key.rawValue){model_name=\"m\"} \($0.value)" }.joined(separator: "\n")
        #expect(try ReplicaSnapshot(metrics: text, endpoint: "r", scrapedAt: original.scrapedAt) == original)
    }
}
