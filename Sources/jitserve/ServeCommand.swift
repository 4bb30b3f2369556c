import ArgumentParser
import Foundation
import JITServeCPU
import JITServeCore
import JITServeEngine
import JITServeHTTP
import JITServePrediction
import JITServeScheduling
import JITServeSetup
import JITServeSimulation

/// `jitserve serve`: the OpenAI-compatible server (DESIGN §8).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve an OpenAI-compatible API (chat, completions, SSE) with per-request SLOs.",
        discussion: """
            Executors: cpu runs a real model (default smollm2-135m) on this machine's CPU; sim runs \
            the calibrated GPU latency model (llama-3.1-8b on a100 by default) and streams placeholder \
            text — it has no weights, so each token is the word "tok" and a response runs to max_tokens \
            (--default-max-tokens when the request sets none); echo costs nothing and repeats a fixed \
            sentence (for tests and benchmarks). sim and echo tokenize one token per UTF-8 byte.
            The policy is built exactly as `simulate` builds it: jitserve (the default) is told the \
            shipped length forest's estimates, each application's recent output lengths, and the \
            workflow pattern analyzer's stage sub-deadlines for compound calls.
            """
    )

    enum ExecutorKind: String, ExpressibleByArgument, CaseIterable {
        case cpu, sim, echo
    }

    @Option(help: "Executor: cpu, sim or echo.")
    var executor: ExecutorKind = .cpu
    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var engine: EngineOptions
    @OptionGroup var lengths: PredictorOptions
    @Option(help: "Scheduling policy (any but the …-oracle ones, which need a trace).")
    var scheduler = "jitserve"
    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one and prints it).")
    var port = 8000
    @Option(help: "Require 'Authorization: Bearer KEY' (also read from JITSERVE_API_KEY).")
    var apiKey: String?
    @Option(help: "SLO of requests that carry none: latency:ttft_ms=N,tbt_ms=N or deadline:deadline_ms=N.")
    var defaultSlo = "latency:ttft_ms=800,tbt_ms=80"
    @Option(help: "Model name clients send (default: the --model name).")
    var servedModelName: String?
    @Option(help: "Context length (prompt + output) of the echo executor (cpu: a cap on the model's).")
    var maxModelLen: Int?
    @Option(help: "Output cap when a request sets no max_tokens (default: 256 for sim, the context otherwise).")
    var defaultMaxTokens: Int?
    @Option(help: "Largest request body, bytes (413 above).")
    var maxBodyBytes = 4 << 20
    @Option(help: "Seconds in-flight streams may run on after SIGTERM/SIGINT.")
    var shutdownGrace = 10.0
    @Option(help: "echo executor: end each response with end-of-sequence after this many tokens.")
    var echoStopAfter: Int?
    @Option(help: "cpu executor: threads for the forward pass (default: every core).")
    var threads: Int?
    @Option(help: "cpu executor: KV cache element type, fp32 (default) or fp16 (half the memory, as llama.cpp keeps it).")
    var kvCacheDtype: KVCacheDataType = .float32
    @Option(help: "cpu executor: decode activations, fp32 (default) or q8 (rounded to bytes per 32-element block and multiplied in byte dot products, as llama.cpp does: faster decode, outputs within rounding of fp32).")
    var activationDtype: ActivationDataType = .float32
    @Option(help: "echo executor: modelled milliseconds per iteration (0: no cost at all).")
    var echoIterationMs = 0.0
    @Flag(help: ArgumentHelp(
        "Let control-token texts typed by clients (<|im_end|> in a message or prompt) become control tokens.",
        discussion: "By default only the chat template's own text may spell control tokens, so a user cannot "
            + "forge turns of the conversation; vLLM and llama.cpp parse them everywhere, which this restores."))
    var parseSpecialInContent = false
    @Option(help: ArgumentHelp(
        "Append one JSON line per finished request to this file, to train a length forest on your own traffic (`predictor train --data`). Off by default. It contains your users' prompts; created readable by its owner only.",
        valueName: "path"))
    var lengthLog: String?
    @Flag(help: "With --length-log: store each prompt's hashed features instead of its text (all training needs).")
    var lengthLogFeaturesOnly = false
    @Option(help: "Seconds a workflow with no call running is kept past both its deadline and its last call before it is forgotten (clients that never mark a final call).")
    var workflowIdleTimeout = 30.0
    @Option(help: ArgumentHelp(
        "Cap glibc's malloc arenas at N (0: glibc's default of 8 per core); MALLOC_ARENA_MAX in the environment wins.",
        discussion: "Fewer arenas keep resident memory flat over hours of serving: memory freed in one thread's arena is not reused by another's.",
        valueName: "N"))
    var mallocArenaMax = 2
    @Option(help: ArgumentHelp(
        "Every N seconds, give memory freed since back to the system (glibc's malloc_trim; 0: never).",
        discussion: "Without it, resident memory stays at the high-water mark of the busiest moment so far.",
        valueName: "N"))
    var mallocTrimSeconds = 60.0

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        if let apiKey, apiKey.isEmpty { throw ValidationError("--api-key must not be empty") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard shutdownGrace >= 0 else { throw ValidationError("--shutdown-grace must not be negative") }
        if let maxModelLen, maxModelLen < 2 { throw ValidationError("--max-model-len must be at least 2") }
        if let defaultMaxTokens, defaultMaxTokens < 1 { throw ValidationError("--default-max-tokens must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let echoStopAfter, echoStopAfter < 1 { throw ValidationError("--echo-stop-after must be at least 1") }
        guard echoIterationMs >= 0, echoIterationMs <= 10_000 else { throw ValidationError("--echo-iteration-ms must be in 0...10000") }
        guard mallocArenaMax >= 0 else { throw ValidationError("--malloc-arena-max must not be negative") }
        guard mallocTrimSeconds >= 0, mallocTrimSeconds.isFinite else {
            throw ValidationError("--malloc-trim-seconds must be 0 or more, got \(mallocTrimSeconds)")
        }
        guard workflowIdleTimeout >= 0, workflowIdleTimeout <= 86_400 else { throw ValidationError("--workflow-idle-timeout must be in 0...86400 seconds") }
        if lengthLogFeaturesOnly, lengthLog == nil { throw ValidationError("--length-log-features-only needs --length-log PATH") }
        if executor == .sim, maxModelLen != nil { throw ValidationError("--max-model-len applies to --executor echo and cpu only") }
        if executor == .cpu {
            do {
                try ModelStore().checkResolvable(hardware.model.cpuModel)
            } catch {
                throw ValidationError("--model: \(error)")
            }
        }
        _ = try SchedulerCatalog.make(scheduler)
        if SchedulerCatalog.isOracle(scheduler) { throw ValidationError(SetupError.oracleNeedsTrace(policy: scheduler).description) }
        do {
            _ = try SLOSpec.parseDefault(defaultSlo)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The model name: --model, else the executor's default.
    var modelName: String {
        switch executor {
        case .cpu: hardware.model.cpuModel
        case .sim: hardware.model.simulatedModel
        case .echo: hardware.model.model ?? "echo"
        }
    }

    /// How the server listens and what it promises, from the options.
    func serverConfiguration() throws -> ServerConfiguration {
        ServerConfiguration(
            host: host, port: port, apiKey: apiKey ?? ProcessInfo.processInfo.environment["JITSERVE_API_KEY"],
            servedModelName: servedModelName ?? modelName, modelRoot: modelName,
            defaultSLO: try SLOSpec.parseDefault(defaultSlo), maxBodyBytes: maxBodyBytes,
            shutdownGrace: .milliseconds(Int64(shutdownGrace * 1000)),
            defaultMaxTokens: defaultMaxTokens ?? (executor == .sim ? 256 : nil))
    }

    func run() async throws {
        MallocTuning.limit(to: mallocArenaMax)
        let serverConfiguration = try serverConfiguration()
        let server = OpenAIServer(configuration: serverConfiguration)
        // Opened before anything listens: a log that cannot be written fails the start.
        let lengthLog = try makeLengthLog()
        defer { lengthLog?.flush() }
        let reporter = Task {
            while server.boundPort == 0 { try await Task.sleep(for: .milliseconds(20)) }
            Console.error("jitserve listening on http://\(host):\(server.boundPort) (\(executor.rawValue) executor)")
        }
        let trimmer = mallocTrimSeconds > 0 ? Task.detached(priority: .background) { [mallocTrimSeconds] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(mallocTrimSeconds))
                MallocTuning.trim()
            }
        } : nil
        if executor != .cpu {
            // Sim and echo start at once; bad options fail before anything listens.
            server.install(try makeBackend(metrics: server.metrics, workflows: server.workflows, lengthLog: lengthLog))
            try await server.run()
        } else {
            // The model loads while the server already answers: /health says 503 until it is in.
            let loaded = BackendLoader.start {
                try self.makeBackend(metrics: server.metrics, workflows: server.workflows, lengthLog: lengthLog)
            }
            try await server.run(stop: {
                switch await loaded.result() {
                case .success(let backend):
                    server.install(backend)
                    Console.error("model loaded; serving \(serverConfiguration.servedModelName)")
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                case .failure:
                    return  // stop the server; the error is rethrown below
                }
            })
            if case .failure(let error) = await loaded.result() { throw error }
        }
        reporter.cancel()
        trimmer?.cancel()
        Console.error("jitserve stopped")
    }

    /// The length log `--length-log` asks for (nil without it).
    func makeLengthLog() throws -> LengthLogQueue? {
        guard let lengthLog else { return nil }
        let writer: LengthLogWriter
        do {
            writer = try LengthLogWriter(path: lengthLog)
        } catch {
            throw ValidationError("--length-log: \(error)")
        }
        Console.error("length log: appending finished requests to \(lengthLog) (\(lengthLogFeaturesOnly ? "prompt features" : "prompt text"))")
        return LengthLogQueue(
            writer: writer, servedModel: servedModelName ?? modelName, includesPromptText: !lengthLogFeaturesOnly,
            warn: { Console.error($0) })
    }

    /// The executor and its codec, then the engine around them — built by the same
    /// `EngineBuilder` as `simulate`'s — and the live engine that drives it.
    ///
    /// - Parameters:
    ///   - workflows: The server's workflow names, forgotten as the engine ends their workflows.
    ///   - lengthLog: Gets every finished request (off the engine thread's critical path).
    func makeBackend(
        metrics: ServerMetrics, workflows: WorkflowRegistry? = nil, lengthLog: LengthLogQueue? = nil
    ) throws -> ServingBackend {
        // vLLM's API refuses max_tokens beyond the context rather than cutting the answer short.
        var configuration = engine.configuration(defaults: EngineConfiguration(rejectsOutputBeyondContext: true))
        configuration.workflowIdleTimeout = .milliseconds(Int64(workflowIdleTimeout * 1000))
        let builder = try EngineBuilder(
            policy: scheduler, lengths: try lengths.lengths(servedModel: servedModelName ?? modelName), configuration: configuration)
        let (executor, codec, name, note) = try makeExecutor()
        let core = try builder.makeEngine(executor: executor, textCodec: codec)
        let onRetire: @Sendable (RequestRecord) -> Void = { record in
            metrics.observe(record)
            lengthLog?.submit(record)
        }
        var onWorkflowEnd: (@Sendable (WorkflowID) -> Void)?
        if let workflows { onWorkflowEnd = { workflows.forget($0) } }
        let live = LiveEngine(core: core, onRetire: onRetire, onWorkflowEnd: onWorkflowEnd)
        return ServingBackend(
            engine: live, executorName: name, textNote: note, providesLogprobs: executor is CPUExecutor,
            policyName: scheduler)
    }

    private func makeExecutor() throws -> (any Executor, any TextCodec, name: String, note: String) {
        switch executor {
        case .echo:
            let echo = EchoExecutor(
                stopAfter: echoStopAfter, maxModelLength: maxModelLen ?? 4096,
                iterationTime: .microseconds(Int64(echoIterationMs * 1000)))
            return (echo, ByteCodec(), "echo",
                    "placeholder: the echo executor has no model; it repeats \"\(EchoExecutor.defaultText)\" at no compute cost")
        case .sim:
            let profile = try hardware.profile()
            let codec = ByteCodec(
                placeholderToken: SimulatedExecutor.tokenID, placeholder: " tok",
                summary: "byte-level tokenizer (1 token per UTF-8 byte); output tokens are placeholders")
            return (SimulatedExecutor(profile: profile), codec, "sim (\(profile.name), modelled GPU time)",
                    "placeholder: the simulated GPU has no weights; every output token is \" tok\", and a response runs to max_tokens (default \(defaultMaxTokens ?? 256)) with finish_reason \"length\"")
        case .cpu:
            let path = try ModelStore().resolve(modelName, pullIfMissing: true, log: Console.error)
            Console.error("loading \(path)")
            let file = try GGUFFile(contentsOf: path)
            let cpu = try CPUExecutor(gguf: file, threadCount: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                      maxModelLength: maxModelLen, kvCacheDataType: kvCacheDtype)
            cpu.model.activationDataType = activationDtype
            guard let tokenizer = cpu.tokenizer else {
                throw ValidationError("\(path) carries no tokenizer; the server needs one to read text")
            }
            // Only template text spells control tokens unless the user opts back in.
            let codec = GGUFTextCodec(
                tokenizer: tokenizer, template: try ChatTemplate(gguf: file), modelName: modelName,
                contentParsesSpecialTokens: parseSpecialInContent)
            return (cpu, codec, "cpu (\(cpu.model.configuration.architecture), \(cpu.model.configuration.layerCount) layers, measured time)", "real model output")
        }
    }
}
