import ArgumentParser
import Foundation
import JITServeCPU
import JITServeCore
import JITServeEngine
import JITServeScheduling
import JITServeSetup

/// `jitserve generate`: one completion from the real model on the CPU, streamed to stdout.
///
/// The request goes through the same `EngineCore`, built by the same `EngineBuilder`, as served
/// traffic (one request, so the policy only decides the prefill chunking), with the CPU
/// executor underneath and the same output text path (`Detokenizer`, stop strings included).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a completion with the real model on the CPU, streaming it to stdout.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var engine: EngineOptions
    @OptionGroup var lengths: PredictorOptions

    @Option(help: "The prompt text.")
    var prompt: String

    @Flag(help: "Wrap the prompt as a user message in the model's chat template.")
    var chat = false

    @Option(help: "Most tokens to generate.")
    var maxTokens = 128

    @Option(help: "Sampling temperature (0: greedy).")
    var temperature = 0.0

    @Option(help: "Nucleus sampling: keep the smallest set of tokens with this much probability.")
    var topP = 1.0

    @Option(help: "Keep only the k most likely tokens (0: no cut).")
    var topK = 0

    @Option(help: "Seed of the request's random stream.")
    var seed: UInt64?

    @Option(help: "Stop when the text contains this string (repeatable).")
    var stop: [String] = []

    @Flag(help: "Keep generating past end-of-sequence.")
    var ignoreEOS = false

    @Flag(help: "Let control-token texts in --prompt (<|im_end|>) become control tokens rather than text.")
    var parseSpecialInContent = false

    @Option(help: "Kernel threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Decode activations: fp32 (default) or q8 (byte dot products, as llama.cpp).")
    var activationDtype: ActivationDataType = .float32

    @Option(help: "Scheduler driving the engine (\(SchedulerCatalog.names.filter { !SchedulerCatalog.isOracle($0) }.joined(separator: ", "))).")
    var scheduler = "vllm"

    func validate() throws {
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if temperature < 0 { throw ValidationError("--temperature must be ≥ 0") }
        if !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
        if topK < 0 { throw ValidationError("--top-k must be ≥ 0") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        _ = try SchedulerCatalog.make(scheduler)
        if SchedulerCatalog.isOracle(scheduler) { throw ValidationError(SetupError.oracleNeedsTrace(policy: scheduler).description) }
    }

    func run() throws {
        let executor: CPUExecutor
        let codec: GGUFTextCodec
        do {
            let path = try ModelStore().resolve(model.cpuModel, pullIfMissing: true, log: Console.error)
            let file = try GGUFFile(contentsOf: path)
            executor = try CPUExecutor(gguf: file, threadCount: threads, kvCacheBytes: 256 << 20)
            executor.model.activationDataType = activationDtype
            // Control tokens are parsed only in text the template produced, unless asked otherwise.
            codec = try GGUFTextCodec(
                gguf: file, modelName: model.cpuModel, contentParsesSpecialTokens: parseSpecialInContent)
        } catch let error as CPUError {
            Console.error("Error: \(error)")
            throw ExitCode.failure
        }
        let text: PromptText = chat
            ? try codec.renderChat([ChatMessage(role: .user, content: prompt)], addGenerationPrompt: true)
            : .content(prompt)
        let promptTokens = codec.encode(text)
        if promptTokens.isEmpty { throw ValidationError("--prompt encodes to no tokens") }

        let builder = try EngineBuilder(
            policy: scheduler, lengths: try lengths.lengths(servedModel: model.cpuModel),
            configuration: engine.configuration(defaults: EngineConfiguration(maxBatchedTokens: 512, maxRunning: 1)))
        let core = try builder.makeEngine(executor: executor, textCodec: codec)
        let clock = WallClock()
        let sampling = SamplingParameters(
            temperature: temperature, topK: topK, topP: topP, seed: seed, stopStrings: stop, ignoreEOS: ignoreEOS)
        try core.add(
            Request(
                id: RequestID(1), arrivedAt: clock.now(), promptTokenCount: promptTokens.count,
                promptTokenIDs: promptTokens, promptText: prompt, maxOutputTokens: maxTokens,
                slo: .latency(ttft: .seconds(60), tbt: .seconds(10)), sampling: sampling))

        let startedAt = clock.now()
        var firstTokenAt: Instant?
        var generated = 0
        while core.hasWork {
            let report = try core.step(now: clock.now())
            for token in report.tokens {
                generated += 1
                if firstTokenAt == nil { firstTokenAt = clock.now() }
                if !token.text.isEmpty { FileHandle.standardOutput.write(Data(token.text.utf8)) }
            }
        }
        FileHandle.standardOutput.write(Data("\n".utf8))
        let finishedAt = clock.now()
        let ttft = (firstTokenAt ?? finishedAt).seconds - startedAt.seconds
        let decode = finishedAt.seconds - (firstTokenAt ?? finishedAt).seconds
        let rate = generated > 1 && decode > 0 ? Double(generated - 1) / decode : 0
        Console.error(
            "[\(promptTokens.count) prompt tokens, \(generated) generated; time to first token "
                + String(format: "%.3f s; decode %.1f tokens/s", ttft, rate)
                + "; \(threads) threads, scheduler \(scheduler)]")
    }
}
