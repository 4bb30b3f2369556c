import JITServeCore
import JITServeEngine
import JITServeHTTP
import JITServeScheduling
import Testing

@Suite struct ServerMetricsTests {
    /// The sample value of the line `name{labels} value` that contains every fragment.
    func value(in text: String, _ fragments: String...) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && fragments.allSatisfy({ line.contains($0) }) {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    func record(kind: SLO, tokensAt: [Double], finishedAt: Double, reason: FinishReason = .stop) -> RequestRecord {
        var timeline = RequestTimeline(arrivedAt: .zero)
        timeline.tokenDeliveredAt = tokensAt.map(Instant.init(seconds:))
        timeline.finishedAt = Instant(seconds: finishedAt)
        timeline.finishReason = reason
        timeline.firstScheduledAt = .zero
        let request = Request(id: RequestID(1), arrivedAt: .zero, promptTokenCount: 3, maxOutputTokens: 10, slo: kind)
        return RequestRecord(request: request, timeline: timeline)
    }

    struct CapPredictor: OutputLengthPredictor {
        let name = "cap"
        func distribution(for request: Request) -> LengthDistribution { .exactly(request.maxOutputTokens) }
    }

    @Test func exposesVLLMGaugesAndCountersOfALiveEngine() async throws {
        let metrics = ServerMetrics(modelName: "m")
        // 5 ms of modelled time per iteration keeps the long request running while we look.
        let executor = EchoExecutor(maxModelLength: 512, blockSize: 4, kvBlockCapacity: 100, iterationTime: .milliseconds(5))
        let core = EngineCore(executor: executor, scheduler: try SchedulerCatalog.make("vllm"), lengthPredictor: CapPredictor())
        let engine = LiveEngine(core: core, onRetire: metrics.observe)
        func submit(prompt: Int, maxTokens: Int) throws -> LiveEngine.Events {
            try engine.submit(Request(
                id: engine.makeRequestID(), arrivedAt: engine.now(), promptTokenCount: prompt,
                promptTokenIDs: Array(repeating: 66, count: prompt), maxOutputTokens: maxTokens,
                slo: .deadline(ttlt: .seconds(60))))
        }
        for try await _ in try submit(prompt: 6, maxTokens: 4) {}
        let long = try submit(prompt: 10, maxTokens: 300)
        var iterator = long.makeAsyncIterator()
        for _ in 0..<3 { _ = try await iterator.next() }
        let busy = metrics.render(status: engine.status)
        #expect(value(in: busy, "vllm:num_requests_running{") == 1)
        #expect((value(in: busy, "vllm:kv_cache_usage_perc{") ?? 0) > 0)
        #expect(value(in: busy, "vllm:prompt_tokens_total{") == 16)
        // Figures are published after each iteration, so the latest token may not be counted yet.
        #expect((value(in: busy, "vllm:generation_tokens_total{") ?? 0) >= 6)
        #expect(value(in: busy, "jitserve:requests_slo_met_total{", "slo_kind=\"deadline\"") == 1)
        #expect(busy.contains("model_name=\"m\""))
        await engine.shutdown(grace: .zero)
        let idle = metrics.render(status: engine.status)
        #expect(value(in: idle, "vllm:num_requests_running{") == 0)
        #expect(value(in: idle, "vllm:kv_cache_usage_perc{") == 0)
        #expect(value(in: idle, "vllm:request_success_total{", "finished_reason=\"cancelled\"") == 1)
    }

    @Test func countsGoodputPerSLOKind() {
        let metrics = ServerMetrics(modelName: "m")
        // Latency: 2 of 3 tokens on time. Deadline: finished late, so no token counts.
        metrics.observe(record(kind: .latency(ttft: .milliseconds(100), tbt: .milliseconds(100)), tokensAt: [0.05, 0.15, 0.9], finishedAt: 0.9))
        metrics.observe(record(kind: .deadline(ttlt: .seconds(1)), tokensAt: [0.5, 1.5], finishedAt: 1.5))
        let text = metrics.render(status: nil)
        #expect(value(in: text, "jitserve:good_tokens_total{", "slo_kind=\"latency\"") == 2)
        #expect(value(in: text, "jitserve:output_tokens_total{", "slo_kind=\"latency\"") == 3)
        #expect(value(in: text, "jitserve:requests_slo_met_total{", "slo_kind=\"latency\"") == 0)
        #expect(value(in: text, "jitserve:good_tokens_total{", "slo_kind=\"deadline\"") == 0)
        #expect(value(in: text, "jitserve:requests_total{", "slo_kind=\"deadline\"") == 1)
        #expect(value(in: text, "vllm:time_to_first_token_seconds_count{") == 2)
        #expect(value(in: text, "vllm:inter_token_latency_seconds_count{") == 3)
        #expect(value(in: text, "vllm:request_success_total{", "finished_reason=\"stop\"") == 2)
    }

    /// Admission's departure rate counts requests that left served (or cancelled), not those
    /// shed from the queue: a shed one did not make the queue drain any faster for the next.
    @Test func aShedRequestIsNotADeparture() {
        let metrics = ServerMetrics(modelName: "m")
        let stream = SLO.latency(ttft: .seconds(1), tbt: .seconds(1))
        for i in 0..<5 { metrics.observe(record(kind: stream, tokensAt: [], finishedAt: 1 + Double(i) * 0.1, reason: .shed)) }
        #expect(metrics.departures.perSecond(at: Instant(seconds: 2)) == nil)
        for i in 0..<5 { metrics.observe(record(kind: stream, tokensAt: [0.5], finishedAt: 1 + Double(i) * 0.1)) }
        #expect(metrics.departures.perSecond(at: Instant(seconds: 2)) == 0.5)
    }
}
