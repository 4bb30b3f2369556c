import ArgumentParser
import Foundation
import JITServeCPU
import JITServeCore
import JITServeEngine
import JITServeHTTP
import JITServePrediction
import JITServeScheduling
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
            """
    )

    enum ExecutorKind: String, ExpressibleByArgument, CaseIterable {
        case cpu, sim, echo
    }

    @Option(help: "Executor: cpu, sim or echo.")
    var executor: ExecutorKind = .cpu
    @Option(help: "Model: a catalogue name or GGUF path for cpu (default smollm2-135m); llama-3.1-8b or llama-3-70b for sim.")
    var model: String?
    @Option(help: "GPU type for --executor sim (a100, h100).")
    var gpu = "a100"
    @Option(help: "Scheduling policy (default: jitserve when available, else vllm).")
    var scheduler: String?
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
    @Option(help: "Sequences per iteration.")
    var maxNumSeqs = 256
    @Option(help: "Tokens per iteration.")
    var maxNumBatchedTokens = 2048
    @Option(help: "Requests waiting beyond which new ones get 429.")
    var maxWaiting = 1024
    @Option(help: "Largest request body, bytes (413 above).")
    var maxBodyBytes = 4 << 20
    @Option(help: "Seconds in-flight streams may run on after SIGTERM/SIGINT.")
    var shutdownGrace = 10.0
    @Option(help: "echo executor: end each response with end-of-sequence after this many tokens.")
    var echoStopAfter: Int?
    @Option(help: "cpu executor: threads for the forward pass (default: every core).")
    var threads: Int?
    @Option(help: "echo executor: modelled milliseconds per iteration (0: no cost at all).")
    var echoIterationMs = 0.0

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard maxNumSeqs >= 1 else { throw ValidationError("--max-num-seqs must be at least 1") }
        guard maxNumBatchedTokens >= 1 else { throw ValidationError("--max-num-batched-tokens must be at least 1") }
        guard maxWaiting >= 1 else { throw ValidationError("--max-waiting must be at least 1") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard shutdownGrace >= 0 else { throw ValidationError("--shutdown-grace must not be negative") }
        if let maxModelLen, maxModelLen < 2 { throw ValidationError("--max-model-len must be at least 2") }
        if let defaultMaxTokens, defaultMaxTokens < 1 { throw ValidationError("--default-max-tokens must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let echoStopAfter, echoStopAfter < 1 { throw ValidationError("--echo-stop-after must be at least 1") }
        guard echoIterationMs >= 0, echoIterationMs <= 10_000 else { throw ValidationError("--echo-iteration-ms must be in 0...10000") }
        do {
            _ = try SLOSpec.parseDefault(defaultSlo)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        let modelName = model ?? (executor == .sim ? "llama-3.1-8b" : executor == .echo ? "echo" : "smollm2-135m")
        let serverConfiguration = ServerConfiguration(
            host: host, port: port, apiKey: apiKey ?? ProcessInfo.processInfo.environment["JITSERVE_API_KEY"],
            servedModelName: servedModelName ?? modelName, modelRoot: modelName,
            defaultSLO: try SLOSpec.parseDefault(defaultSlo), maxBodyBytes: maxBodyBytes,
            maxWaitingRequests: maxWaiting, shutdownGrace: .milliseconds(Int64(shutdownGrace * 1000)),
            defaultMaxTokens: defaultMaxTokens ?? (executor == .sim ? 256 : nil))
        let server = OpenAIServer(configuration: serverConfiguration)
        let reporter = Task {
            while server.boundPort == 0 { try await Task.sleep(for: .milliseconds(20)) }
            Self.log("jitserve listening on http://\(host):\(server.boundPort) (\(executor.rawValue) executor)")
        }
        if executor != .cpu {
            // Sim and echo start at once; bad options fail before anything listens.
            server.install(try makeBackend(modelName: modelName, metrics: server.metrics))
            try await server.run()
        } else {
            // The model loads while the server already answers: /health says 503 until it is in.
            let loaded = BackendLoader.start { try self.makeBackend(modelName: modelName, metrics: server.metrics) }
            try await server.run(stop: {
                switch await loaded.result() {
                case .success(let backend):
                    server.install(backend)
                    Self.log("model loaded; serving \(serverConfiguration.servedModelName)")
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                case .failure:
                    return  // stop the server; the error is rethrown below
                }
            })
            if case .failure(let error) = await loaded.result() { throw error }
        }
        reporter.cancel()
        Self.log("jitserve stopped")
    }

    func makeBackend(modelName: String, metrics: ServerMetrics) throws -> ServingBackend {
        let engineConfiguration = EngineConfiguration(maxBatchedTokens: maxNumBatchedTokens, maxRunning: maxNumSeqs)
        let policy = try SchedulerCatalog.make(scheduler ?? (SchedulerCatalog.names.contains("jitserve") ? "jitserve" : "vllm"))
        let predictor: any OutputLengthPredictor
        do {
            predictor = try QRFLengthPredictor.loadDefault()
        } catch {
            Self.log("warning: no length predictor model (\(error)); assuming every request runs to max_tokens")
            predictor = MaxTokensLengthPredictor()
        }
        switch executor {
        case .echo:
            let echo = EchoExecutor(
                stopAfter: echoStopAfter, maxModelLength: maxModelLen ?? 4096,
                iterationTime: .microseconds(Int64(echoIterationMs * 1000)))
            let core = EngineCore(
                executor: echo, scheduler: policy, configuration: engineConfiguration, lengthPredictor: predictor)
            return ServingBackend(
                engine: LiveEngine(core: core, onRetire: metrics.observe), codec: ByteCodec(), executorName: "echo",
                textNote: "placeholder: the echo executor has no model; it repeats \"\(EchoExecutor.defaultText)\" at no compute cost")
        case .sim:
            let profile = try HardwareProfile.named(model: modelName, gpu: gpu)
            if maxModelLen != nil { throw ValidationError("--max-model-len applies to --executor echo and cpu only") }
            let simulated = SimulatedExecutor(profile: profile)
            let core = EngineCore(
                executor: simulated, scheduler: policy, configuration: engineConfiguration, lengthPredictor: predictor)
            return ServingBackend(
                engine: LiveEngine(core: core, onRetire: metrics.observe),
                codec: ByteCodec(
                    placeholderToken: SimulatedExecutor.tokenID, placeholder: " tok",
                    summary: "byte-level tokenizer (1 token per UTF-8 byte); output tokens are placeholders"),
                executorName: "sim (\(profile.name), modelled GPU time)",
                textNote: "placeholder: the simulated GPU has no weights; every output token is \" tok\", and a response runs to max_tokens (default \(defaultMaxTokens ?? 256)) with finish_reason \"length\"")
        case .cpu:
            let path = try ModelStore().resolve(modelName, pullIfMissing: true, log: Self.log)
            Self.log("loading \(path)")
            let file = try GGUFFile(contentsOf: path)
            let cpu = try CPUExecutor(gguf: file, threadCount: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                      maxModelLength: maxModelLen)
            guard let tokenizer = cpu.tokenizer else {
                throw ValidationError("\(path) carries no tokenizer; the server needs one to read text")
            }
            let codec = GGUFTextCodec(tokenizer: tokenizer, template: try ChatTemplate(gguf: file), modelName: modelName)
            let core = EngineCore(
                executor: cpu, scheduler: policy, configuration: engineConfiguration, lengthPredictor: predictor)
            return ServingBackend(
                engine: LiveEngine(core: core, onRetire: metrics.observe), codec: codec,
                executorName: "cpu (\(cpu.model.configuration.layerCount) layers, measured time)",
                textNote: "real model output")
        }
    }

    static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
