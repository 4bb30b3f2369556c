import ArgumentParser
import Foundation
import JITServeCPU
import JITServeCore
import JITServeEngine
import JITServeScheduling

/// `jitserve generate`: one completion from the real model on the CPU, streamed to stdout.
///
/// The request goes through the same `EngineCore` and scheduler as served traffic (one request,
/// so the policy only decides the prefill chunking), with the CPU executor underneath.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a completion with the real model on the CPU, streaming it to stdout.")

    @Option(help: "Model name in the cache (pulled on first use) or a path to a GGUF file.")
    var model = ModelStore.defaultModelName

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

    @Option(help: "Kernel threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Scheduler driving the engine (\(SchedulerCatalog.names.joined(separator: ", "))).")
    var scheduler = "vllm"

    @Option(help: "Token budget per iteration (prefill chunk size).")
    var maxBatchedTokens = 512

    func validate() throws {
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if temperature < 0 { throw ValidationError("--temperature must be ≥ 0") }
        if !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
        if topK < 0 { throw ValidationError("--top-k must be ≥ 0") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if maxBatchedTokens < 1 { throw ValidationError("--max-batched-tokens must be at least 1") }
    }

    func run() throws {
        let loaded: (CPUExecutor, [Int32])
        do {
            let path = try ModelStore().resolve(model, pullIfMissing: true, log: Console.error)
            let file = try GGUFFile(contentsOf: path)
            let executor = try CPUExecutor(gguf: file, threadCount: threads, kvCacheBytes: 256 << 20)
            var text = prompt
            if chat {
                text = try ChatTemplate(gguf: file).render(
                    [ChatMessage(role: "user", content: prompt)], addGenerationPrompt: true)
            }
            // Control tokens are parsed only in text the template produced, never in user text.
            let tokens = executor.tokenizer!.encode(text, parseSpecial: chat)
            loaded = (executor, tokens)
        } catch let error as CPUError {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
        let (executor, promptTokens) = loaded
        if promptTokens.isEmpty { throw ValidationError("--prompt encodes to no tokens") }

        let core = EngineCore(
            executor: executor, scheduler: try SchedulerCatalog.make(scheduler),
            configuration: EngineConfiguration(maxBatchedTokens: maxBatchedTokens, maxRunning: 1),
            lengthPredictor: MaxTokensLengthPredictor())
        let clock = WallClock()
        let sampling = SamplingParameters(
            temperature: temperature, topK: topK, topP: topP, seed: seed, stopStrings: stop,
            ignoreEOS: ignoreEOS)
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
                if let text = token.text, !text.isEmpty {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
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
