import Foundation
import JITServeCore

extension CPUBenchmark {
    /// The sampler settings `samplingMicroseconds` times, by the name it reports them under:
    /// greedy (what the decode figures use), the OpenAI API's default temperature 1 (what a
    /// request that names no temperature gets), and the two common cuts.
    public static let samplingSettings: [(name: String, parameters: SamplingParameters)] = [
        ("greedy", .greedy),
        ("temperature 1", SamplingParameters(temperature: 1)),
        ("temperature 1, top-p 0.9", SamplingParameters(temperature: 1, topP: 0.9)),
        ("temperature 0.7, top-k 40", SamplingParameters(temperature: 0.7, topK: 40)),
    ]

    /// Microseconds one `TokenSampler.sample` takes for each of `samplingSettings`, over the
    /// logits the model gives after a seeded random prompt (averaged over `draws` steps). A
    /// decode step pays this once per stream between forward passes (shared among the kernel
    /// threads), on top of what the decode figures (greedy) show.
    public mutating func samplingMicroseconds(draws: Int) throws -> [String: Double] {
        let stream = makeStream(length: options.decodePromptLength, seed: 4242)
        let blockCount = (stream.tokens.count + executor.blockSize - 1) / executor.blockSize
        guard blockCount <= executor.kvBlockCapacity else {
            throw CPUError.invalidBatch(request: "\(stream.id)", reason: "benchmark needs more than \(executor.kvBlockCapacity) KV blocks")
        }
        let sequence = ForwardSequence(
            tokens: stream.tokens, startPosition: 0, blockTable: (0..<blockCount).map(Int32.init), wantsLogits: true)
        let logits = try Array(executor.model.forward([sequence], cache: executor.cache)[0])
        var result: [String: Double] = [:]
        var chosen = 0  // used below, so that no draw can be optimised away
        for (name, parameters) in Self.samplingSettings {
            let sampler = TokenSampler(parameters: parameters, requestID: stream.id)
            let started = ContinuousClock.now
            logits.withUnsafeBufferPointer { buffer in
                for step in 0..<max(1, draws) { chosen &+= Int(sampler.sample(buffer, step: step)) }
            }
            result[name] = (ContinuousClock.now - started).seconds * 1e6 / Double(max(1, draws))
        }
        precondition(chosen >= 0, "sampled token IDs are never negative")
        return result
    }
}
