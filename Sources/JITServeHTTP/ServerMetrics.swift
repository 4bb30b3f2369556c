import JITServeCore
import JITServeEngine
import Prometheus
import Synchronization

/// `/metrics`: vLLM's `vllm:*` gauges, counters and latency histograms, and jitserve's goodput
/// counters per SLO kind, in Prometheus text through swift-prometheus.
///
/// Gauges and token counters are read from the engine's published figures at scrape time; the
/// histograms and goodput counters are fed with every request record the engine retires.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let running: Gauge
    private let waiting: Gauge
    private let kvUsage: Gauge
    private let workflowEntries: [String: Gauge]
    private let residentMemory: Gauge
    private let preemptions: Counter
    private let promptTokens: Counter
    private let generationTokens: Counter
    private let prefixCacheQueries: Counter
    private let prefixCacheHits: Counter
    private let ttft: ValueHistogram
    private let interToken: ValueHistogram
    private let endToEnd: ValueHistogram
    private let queueing: ValueHistogram
    private let success: [FinishReason: Counter]
    private let goodput: [SLOKind: KindCounters]
    /// The `jitserve:*` load gauges routers read.
    private let routing: RoutingGauges
    /// Engine totals already added to the counters (they only move forward).
    private let counted = Mutex<(preemptions: Int, prompt: Int, generation: Int, cacheQueries: Int, cacheHits: Int)>((0, 0, 0, 0, 0))

    private struct KindCounters: Sendable {
        let requests: Counter
        let met: Counter
        let outputTokens: Counter
        let goodTokens: Counter
    }

    // vLLM's bucket boundaries, so that dashboards built for vLLM read these unchanged.
    static let ttftBuckets: [Double] = [
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
        160.0, 640.0, 2560.0,
    ]
    static let interTokenBuckets: [Double] = [
        0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
        40.0, 80.0,
    ]
    static let requestBuckets: [Double] = [
        0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0,
        1920.0, 7680.0,
    ]

    /// A metric named exactly `name` (vLLM's names carry their unit already).
    static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    public init(modelName: String) {
        let model = [("model_name", modelName)]
        let r = registry
        running = r.makeGauge(descriptor: Self.descriptor("vllm:num_requests_running", "Requests holding KV in the engine."), labels: model)
        waiting = r.makeGauge(descriptor: Self.descriptor("vllm:num_requests_waiting", "Requests waiting for KV."), labels: model)
        kvUsage = r.makeGauge(descriptor: Self.descriptor("vllm:kv_cache_usage_perc", "Fraction of KV cache blocks in use (1 = full)."), labels: model)
        var workflowEntries: [String: Gauge] = [:]
        for map in ["calls", "estimates", "service_tokens", "names"] {
            workflowEntries[map] = r.makeGauge(descriptor: Self.descriptor(
                "jitserve:workflow_map_entries",
                "Live workflows held per map: the engine's calls (bookkeeping), estimates and service_tokens, the server's names. Freed when a workflow's final call is done or it goes idle past its deadline."),
                labels: model + [("map", map)])
        }
        self.workflowEntries = workflowEntries
        residentMemory = r.makeGauge(descriptor: Self.descriptor("process_resident_memory_bytes", "Resident memory of the server process, bytes."), labels: [])
        preemptions = r.makeCounter(descriptor: Self.descriptor("vllm:num_preemptions_total", "Preemptions."), labels: model)
        promptTokens = r.makeCounter(descriptor: Self.descriptor("vllm:prompt_tokens_total", "Prompt tokens admitted."), labels: model)
        generationTokens = r.makeCounter(descriptor: Self.descriptor("vllm:generation_tokens_total", "Output tokens generated."), labels: model)
        prefixCacheQueries = r.makeCounter(descriptor: Self.descriptor("vllm:prefix_cache_queries_total", "Prefix cache queries, in tokens: known tokens of each request looked up as it was admitted."), labels: model)
        prefixCacheHits = r.makeCounter(descriptor: Self.descriptor("vllm:prefix_cache_hits_total", "Prefix cache hits, in tokens: those whose KV was found cached and not computed again."), labels: model)
        ttft = r.makeValueHistogram(descriptor: Self.descriptor("vllm:time_to_first_token_seconds", "Time to first token, seconds."), labels: model, buckets: Self.ttftBuckets)
        interToken = r.makeValueHistogram(descriptor: Self.descriptor("vllm:inter_token_latency_seconds", "Gaps between consecutive output tokens, seconds."), labels: model, buckets: Self.interTokenBuckets)
        endToEnd = r.makeValueHistogram(descriptor: Self.descriptor("vllm:e2e_request_latency_seconds", "Arrival to finish of requests that completed, seconds."), labels: model, buckets: Self.requestBuckets)
        queueing = r.makeValueHistogram(descriptor: Self.descriptor("vllm:request_queue_time_seconds", "Arrival to first scheduled iteration, seconds."), labels: model, buckets: Self.requestBuckets)
        var success: [FinishReason: Counter] = [:]
        for reason in [FinishReason.stop, .length, .cancelled, .rejected] {
            success[reason] = r.makeCounter(descriptor: Self.descriptor("vllm:request_success_total", "Requests that left the engine, by finish reason."), labels: model + [("finished_reason", reason.rawValue)])
        }
        self.success = success
        var goodput: [SLOKind: KindCounters] = [:]
        for kind in SLOKind.allCases {
            let labels = model + [("slo_kind", kind.rawValue)]
            goodput[kind] = KindCounters(
                requests: r.makeCounter(descriptor: Self.descriptor("jitserve:requests_total", "Requests that left the engine, by SLO kind (compound: per call)."), labels: labels),
                met: r.makeCounter(descriptor: Self.descriptor("jitserve:requests_slo_met_total", "Requests that met their SLO in full (compound: the call finished by its workflow's deadline)."), labels: labels),
                outputTokens: r.makeCounter(descriptor: Self.descriptor("jitserve:output_tokens_total", "Output tokens delivered, by SLO kind."), labels: labels),
                goodTokens: r.makeCounter(descriptor: Self.descriptor("jitserve:good_tokens_total", "Output tokens that met their SLO (goodput numerator), by SLO kind."), labels: labels))
        }
        self.goodput = goodput
        routing = RoutingGauges(registry: r, labels: model)
    }

    /// Requests leaving the engine per second, for admission control's queueing-delay estimate.
    public let departures = DepartureRate()

    /// Feeds one retired request (called on the engine thread).
    public func observe(_ record: RequestRecord) {
        let timeline = record.timeline
        departures.record(record)
        if let reason = timeline.finishReason { success[reason]?.increment() }
        if let v = timeline.ttft { ttft.record(v.seconds) }
        if let v = timeline.queueing { queueing.record(v.seconds) }
        let delivered = timeline.tokenDeliveredAt
        if delivered.count > 1 {
            for i in 1..<delivered.count { interToken.record(delivered[i].seconds - delivered[i - 1].seconds) }
        }
        if timeline.finishReason == .stop || timeline.finishReason == .length, let v = timeline.endToEnd {
            endToEnd.record(v.seconds)
        }
        guard let counters = goodput[record.request.kind] else { return }
        counters.requests.increment()
        if GoodputAccountant.metInFull(record) { counters.met.increment() }
        counters.outputTokens.increment(by: Int64(timeline.outputTokenCount))
        counters.goodTokens.increment(by: Int64(GoodputAccountant.goodTokenCount(record)))
    }

    /// Prometheus text, with gauges and counters brought up to `status` (and `workflowNames`,
    /// the server's registry size).
    public func render(status: LiveEngine.Status?, workflowNames: Int? = nil) -> String {
        if let load = status?.load { routing.set(load) }
        if let bytes = ResidentMemory.bytes() { residentMemory.set(bytes) }
        if let workflowNames { workflowEntries["names"]?.set(Double(workflowNames)) }
        if let stats = status?.stats {
            workflowEntries["calls"]?.set(Double(stats.workflowCount))
            workflowEntries["estimates"]?.set(Double(stats.workflowEstimateCount))
            workflowEntries["service_tokens"]?.set(Double(stats.workflowServiceTokenCount))
            running.set(Double(stats.runningCount))
            waiting.set(Double(stats.waitingCount))
            kvUsage.set(stats.kvUsage)
            counted.withLock { c in
                // The engine's totals only grow; each counter takes what it has not counted yet.
                func advance(_ counter: Counter, _ seen: inout Int, to total: Int) {
                    guard total > seen else { return }
                    counter.increment(by: Int64(total - seen))
                    seen = total
                }
                advance(preemptions, &c.preemptions, to: stats.preemptionCount)
                advance(promptTokens, &c.prompt, to: stats.promptTokenCount)
                advance(prefixCacheQueries, &c.cacheQueries, to: stats.prefixCacheQueryTokenCount)
                advance(prefixCacheHits, &c.cacheHits, to: stats.prefixCacheHitTokenCount)
                advance(generationTokens, &c.generation, to: stats.generationTokenCount)
            }
        }
        return registry.emitToString()
    }
}
