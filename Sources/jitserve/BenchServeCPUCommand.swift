import ArgumentParser
import Foundation
import JITServeCPU
import JITServeCore
import JITServeEngine
import JITServeHTTP

/// `jitserve bench serve-cpu`: what a client of `jitserve serve --executor cpu` gets, beside
/// what the kernels decode with nothing in between, at each stream count, side by side.
struct BenchServeCPUCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-cpu",
        abstract: "Served output tokens/s over HTTP beside the kernels' decode tokens/s (1, 4, 16 streams).",
        discussion: """
            Starts the server `jitserve serve --executor cpu` would start (built by the same code, \
            same policy and options) in this process on a free loopback port, and drives it with N \
            raw-socket SSE clients on their own threads, each sending --rounds streamed chat \
            requests one after another (a prompt of --prompt-tokens random token IDs decoded to \
            text, --max-tokens output tokens with ignore_eos), as `vllm bench serve \
            --max-concurrency N` does. Served tokens/s counts usage.completion_tokens over the \
            wall time from the first request sent to the last stream ended, so it includes prefill \
            and every hop of the served path. Beside it, `bench cpu`'s measurement of N streams \
            decoding --max-tokens steps together from a prompt of the same length, once before \
            and once after the served run (the table shows their mean), and after it the kernel \
            doing the served run's whole work: the prompt tokens the server computed, prefilled \
            together at its token budget, then the decode (served ÷ same work: the served \
            path's own cost, with prefill on both sides). The load average at \
            start and end says how busy the machine was. --prefix-caching both serves each \
            stream count with the prefix cache off and on (two servers, between the same two \
            kernel runs); --turns N makes each request a turn of a conversation that resends its \
            whole history, and adds per-turn prompt, cached and prefilled tokens and TTFT.
            """)

    @OptionGroup var model: ModelOptions

    @Option(help: "Kernel threads (default: all cores), for the server and the kernel figure alike.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Stream counts to measure, comma-separated.")
    var streams = "1,4,16"

    @Option(help: "Output tokens per request (ignore_eos).")
    var maxTokens = 128

    @Option(help: "Prompt length in random token IDs (the chat template adds its own).")
    var promptTokens = 32

    @Option(help: "Requests each client sends one after another.")
    var rounds = 2

    @Option(help: "The server's scheduling policy.")
    var scheduler = "jitserve"

    @Option(help: "Sampling temperature of the requests (0: greedy, as the kernel figure decodes).")
    var temperature = 0.0

    @Option(help: "KV cache element type: fp32 (default) or fp16.")
    var kvCacheDtype: KVCacheDataType = .float32

    @Option(help: "Decode activations of the kernel and the server: fp32 (default) or q8.")
    var activationDtype: ActivationDataType = .float32

    @Option(help: "The server's prefix caching: on (as serve's default), off, or both (two servers, each stream count served by both, side by side).")
    var prefixCaching = "on"

    @Option(help: "Turns per conversation: above 1, each request is a conversation turn that resends the whole history (earlier prompts and the server's answers) plus a new user message.")
    var turns = 1

    @Option(help: "Passes over the stream counts, each served run between its own two kernel runs; the summary gives each ratio's median over the passes (on a shared machine one pass's ratio moves by ±10 %).")
    var repeats = 1

    @OptionGroup var output: OutputOptions

    struct Row: Codable {
        /// Which pass over the stream counts (1 unless --repeats).
        var pass = 1
        var streams: Int
        var prefixCaching: Bool
        var kernelTokensPerSecond: [Double]
        var servedTokensPerSecond: Double
        var servedOverKernel: Double
        /// The kernel doing the served run's work, prefill included (`servedWorkThroughput`):
        /// nil with --turns above 1.
        var kernelSameWorkTokensPerSecond: Double?
        /// Served tok/s over that: the served path's own cost, prefill being paid on both sides.
        var servedOverSameWork: Double?
        var ttftMillisecondsP50: Double
        var tpotMillisecondsP50: Double
        var failedRequests: Int
        /// Output tokens and wall seconds of the served run (first request sent to last ended).
        var servedTokens: Int
        var servedSeconds: Double
        /// Mean prompt tokens per request as the server counted them (template included): the
        /// prefill work the served figure pays for and the kernel figure does not.
        var promptTokensMean: Double
        /// Share of the served run's wall time the executor was running an iteration.
        var executorBusyFraction: Double
        /// Mean executor time per iteration during the served run, milliseconds.
        var iterationMillisecondsMean: Double
        /// Output tokens per second of executor time during the served run: what the served
        /// rate would be if the engine never waited.
        var servedTokensPerExecutorSecond: Double
        /// Mean prompt tokens per request the server's prefix cache supplied
        /// (`usage.prompt_tokens_details.cached_tokens`).
        var cachedTokensMean: Double
        /// Per conversation turn (with --turns above 1).
        var turns: [TurnRow]
    }

    /// One conversation turn over all clients: what the prompt held, what was prefilled, and
    /// the time to its first token.
    struct TurnRow: Codable {
        var turn: Int
        var promptTokensMean: Double
        var cachedTokensMean: Double
        /// Prompt tokens the server computed (prompt minus cached).
        var prefilledTokensMean: Double
        var ttftMillisecondsP50: Double
        var ttftMillisecondsMean: Double
    }

    struct Result: Codable {
        var model: String
        var threads: Int
        var scheduler: String
        var kvCacheDtype: String
        var activationDtype: String?
        var maxTokens: Int
        var promptTokens: Int
        var rounds: Int
        var turns: Int
        var loadAverageAtStart: Double
        var loadAverageAtEnd: Double
        var repeats: Int
        var rows: [Row]
        /// Per stream count and prefix-caching setting, the ratios of every pass and their medians.
        var summary: [Summary]
    }

    /// One stream count's ratios over the passes.
    struct Summary: Codable {
        var streams: Int
        var prefixCaching: Bool
        var servedOverKernel: [Double]
        var servedOverSameWork: [Double]
        var servedOverKernelMedian: Double
        var servedOverSameWorkMedian: Double
        var servedTokensPerSecondMedian: Double
    }

    var streamCounts: [Int] { streams.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        let counts = streamCounts
        guard !counts.isEmpty, counts.count == streams.split(separator: ",", omittingEmptySubsequences: false).count, counts.allSatisfy({ (1...256).contains($0) }) else {
            throw ValidationError("--streams must be comma-separated counts in 1...256, got '\(streams)'")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard (2...4096).contains(maxTokens) else { throw ValidationError("--max-tokens must be in 2...4096") }
        guard (1...4096).contains(promptTokens) else { throw ValidationError("--prompt-tokens must be in 1...4096") }
        guard (1...100).contains(rounds) else { throw ValidationError("--rounds must be in 1...100") }
        guard (0...2).contains(temperature) else { throw ValidationError("--temperature must be in 0...2") }
        guard ["on", "off", "both"].contains(prefixCaching) else {
            throw ValidationError("--prefix-caching must be on, off or both, got '\(prefixCaching)'")
        }
        guard (1...32).contains(turns) else { throw ValidationError("--turns must be in 1...32") }
        guard (1...20).contains(repeats) else { throw ValidationError("--repeats must be in 1...20") }
    }

    func run() async throws {
        let loadAtStart = Self.loadAverage()
        let name = model.cpuModel
        let path: String
        let kernel: CPUExecutor
        do {
            path = try ModelStore().resolve(name, pullIfMissing: true, log: Console.error)
            kernel = try CPUExecutor(modelPath: path, threadCount: threads, kvCacheBytes: 1 << 30, kvCacheDataType: kvCacheDtype)
            kernel.model.activationDataType = activationDtype
        } catch let error as CPUError {
            Console.error("Error: \(error)")
            throw ExitCode.failure
        }
        guard let tokenizer = kernel.tokenizer else {
            Console.error("Error: \(path) carries no tokenizer")
            throw ExitCode.failure
        }
        // The server exactly as `jitserve serve` builds it, from the same options: one per
        // prefix-caching setting asked for, alive together so that each stream count is served
        // by both between the same two kernel runs.
        var servers: [Served] = []
        for caching in prefixCachingSettings {
            let serve = try ServeCommand.parse([
                "--executor", "cpu", "--model", name, "--threads", String(threads), "--scheduler", scheduler,
                "--kv-cache-dtype", kvCacheDtype.rawValue, "--activation-dtype", activationDtype.rawValue, "--port", "0",
                caching ? "--enable-prefix-caching" : "--no-enable-prefix-caching",
            ])
            Console.error("  starting the server (\(serve.scheduler), \(threads) threads, prefix caching \(caching ? "on" : "off"))…")
            let bench = try await HTTPBenchServer.start(configuration: try serve.serverConfiguration()) { server in
                try serve.makeBackend(metrics: server.metrics)
            }
            servers.append((caching, bench, try serve.serverConfiguration().servedModelName,
                            serve.engine.configuration().maxBatchedTokens))
        }
        let requests = RequestMaker(
            model: servers[0].model, tokenizer: tokenizer, promptTokens: promptTokens, maxTokens: maxTokens,
            temperature: temperature)
        for server in servers {
            // Warm-up: first-use allocations and page faults are not the served path's cost.
            _ = SSEBenchClient.closedLoop(streams: 1, rounds: 1, port: server.bench.port, clock: server.bench.engine.clock) { _, _ in
                requests.make(seed: 0, maxTokens: 8)
            }
        }

        var rows: [Row] = []
        var benchmark = CPUBenchmark(executor: kernel, options: kernelOptions)
        for pass in 1...repeats {
            if repeats > 1 { Console.error("  pass \(pass) of \(repeats)") }
            for count in streamCounts {
                rows += try await measure(
                    streams: count, pass: pass, servers: servers, requests: requests, benchmark: &benchmark)
            }
        }
        for server in servers { await server.bench.stop() }
        let result = Result(
            model: name, threads: threads, scheduler: scheduler, kvCacheDtype: kvCacheDtype.rawValue,
            activationDtype: activationDtype.rawValue, maxTokens: maxTokens,
            promptTokens: promptTokens, rounds: rounds, turns: turns, loadAverageAtStart: loadAtStart,
            loadAverageAtEnd: Self.loadAverage(), repeats: repeats, rows: rows, summary: Self.summary(rows))
        print(Self.table(result))
        try output.write(result)
    }

    /// One server the benchmark drives: its prefix-caching setting, its served model name and
    /// token budget per iteration.
    typealias Served = (prefixCaching: Bool, bench: HTTPBenchServer, model: String, batchTokens: Int)

    /// The prefix-caching settings to serve with, in the order they run.
    var prefixCachingSettings: [Bool] {
        switch prefixCaching {
        case "off": [false]
        case "both": [false, true]
        default: [true]
        }
    }

    private var kernelOptions: CPUBenchmark.Options {
        var options = CPUBenchmark.Options()
        options.decodeSteps = maxTokens
        return options
    }

    static func row(streams: Int, prefixCaching: Bool, kernel: [Double], results: [SSEBenchClient.Result]) -> Row {
        let good = results.filter { $0.error == nil && $0.sentAt != nil && $0.endedAt != nil }
        let tokens = good.reduce(0) { $0 + ($1.completionTokens ?? $1.tokenTimes.count) }
        let first = good.compactMap(\.sentAt).map(\.seconds).min() ?? 0
        let last = good.compactMap(\.endedAt).map(\.seconds).max() ?? 0
        let served = last > first ? Double(tokens) / (last - first) : 0
        let ttfts = good.compactMap { r in r.tokenTimes.first.map { ($0.seconds - r.sentAt!.seconds) * 1000 } }
        let tpots = good.compactMap { r -> Double? in
            let count = r.completionTokens ?? r.tokenTimes.count
            guard count > 1, let firstToken = r.tokenTimes.first, let lastToken = r.tokenTimes.last else { return nil }
            return (lastToken.seconds - firstToken.seconds) * 1000 / Double(count - 1)
        }
        let kernelMean = kernel.reduce(0, +) / Double(kernel.count)
        return Row(
            streams: streams, prefixCaching: prefixCaching, kernelTokensPerSecond: kernel, servedTokensPerSecond: served,
            servedOverKernel: kernelMean > 0 ? served / kernelMean : 0, ttftMillisecondsP50: median(ttfts),
            tpotMillisecondsP50: median(tpots), failedRequests: results.count - good.count,
            servedTokens: tokens, servedSeconds: max(0, last - first),
            promptTokensMean: {
                let counts = good.compactMap(\.promptTokens)
                return counts.isEmpty ? .nan : Double(counts.reduce(0, +)) / Double(counts.count)
            }(),
            executorBusyFraction: .nan, iterationMillisecondsMean: .nan, servedTokensPerExecutorSecond: .nan,
            cachedTokensMean: mean(good.compactMap(\.cachedTokens).map(Double.init)), turns: [])
    }

    /// The engine's own account of the served run, from its counters before and after.
    static func engineFigures(
        _ row: Row, before: EngineStats, after: EngineStats
    ) -> (busy: Double, iterationMilliseconds: Double, tokensPerExecutorSecond: Double) {
        let executorSeconds = after.executorSeconds - before.executorSeconds
        let iterations = after.iterationCount - before.iterationCount
        return (
            row.servedSeconds > 0 ? executorSeconds / row.servedSeconds : .nan,
            iterations > 0 ? executorSeconds * 1000 / Double(iterations) : .nan,
            executorSeconds > 0 ? Double(row.servedTokens) / executorSeconds : .nan)
    }

    /// The 1-minute load average (/proc/loadavg; NaN elsewhere).
    static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
              let first = text.split(separator: " ").first, let value = Double(first)
        else { return .nan }
        return value
    }
}
