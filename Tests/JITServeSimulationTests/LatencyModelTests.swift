import JITServeCore
import JITServeEngine
import JITServeSimulation
import Testing

/// A batch of `count` decodes, each over `context` cached tokens.
private func decodeBatch(_ count: Int, context: Int, firstID: UInt64 = 0) -> [ScheduledSequence] {
    (0..<count).map {
        ScheduledSequence(
            requestID: RequestID(firstID + UInt64($0)), tokenCount: 1, computedTokenCount: context,
            samplesToken: true, generatedTokenCount: 1)
    }
}

/// One prefill chunk of `tokens` over `context` cached tokens that ends the prompt.
private func prefill(_ tokens: Int, context: Int = 0, id: UInt64 = 10_000) -> ScheduledSequence {
    ScheduledSequence(requestID: RequestID(id), tokenCount: tokens, computedTokenCount: context, samplesToken: true)
}

private func seconds(_ model: LatencyModel, _ sequences: [ScheduledSequence]) -> Double {
    model.iterationTime(for: ExecutionBatch(sequences: sequences)).seconds
}

@Suite("LatencyModel")
struct LatencyModelTests {
    static let models = HardwareProfile.catalogue.map { LatencyModel(profile: $0) }

    @Test("more prefill tokens never take less time", arguments: models)
    func prefillMonotone(model: LatencyModel) {
        var previous = 0.0
        for tokens in stride(from: 1, through: 12_000, by: 7) {
            let t = seconds(model, [prefill(tokens)])
            #expect(t >= previous, "\(model.profile.name): \(tokens) prefill tokens took \(t) s < \(previous) s")
            previous = t
        }
    }

    @Test("a longer prefill context never takes less time", arguments: models)
    func prefillContextMonotone(model: LatencyModel) {
        var previous = 0.0
        for context in stride(from: 0, through: 32_000, by: 250) {
            let t = seconds(model, [prefill(512, context: context)])
            #expect(t >= previous, "\(model.profile.name): context \(context)")
            previous = t
        }
    }

    @Test("more decodes, or more KV per decode, never take less time", arguments: models)
    func decodeMonotone(model: LatencyModel) {
        for context in [16, 1000, 8000] {
            var previous = 0.0
            for count in 1...600 {
                let t = seconds(model, decodeBatch(count, context: context))
                #expect(t >= previous, "\(model.profile.name): \(count) decodes at \(context)")
                previous = t
            }
        }
        var previous = 0.0
        for context in stride(from: 1, through: 40_000, by: 333) {
            let t = seconds(model, decodeBatch(64, context: context))
            #expect(t >= previous, "\(model.profile.name): 64 decodes at \(context)")
            previous = t
        }
    }

    @Test("adding a prefill chunk to a decode batch never makes it faster", arguments: models)
    func mixedMonotone(model: LatencyModel) {
        let decodes = decodeBatch(32, context: 900)
        let alone = seconds(model, decodes)
        for chunk in [1, 16, 100, 512, 2048] {
            #expect(seconds(model, decodes + [prefill(chunk, context: 300)]) >= alone)
        }
    }

    @Test("Llama-3-70B on four GPUs is slower per token than Llama-3.1-8B on one", arguments: ["a100", "h100"])
    func seventyBSlower(gpu: String) throws {
        let small = LatencyModel(profile: try HardwareProfile.named(model: "llama-3.1-8b", gpu: gpu))
        let large = LatencyModel(profile: try HardwareProfile.named(model: "llama-3-70b", gpu: gpu))
        for batch in [1, 32, 256] {
            #expect(seconds(large, decodeBatch(batch, context: 1024)) > seconds(small, decodeBatch(batch, context: 1024)))
        }
        for tokens in [128, 2048, 8192] {
            #expect(seconds(large, [prefill(tokens)]) > seconds(small, [prefill(tokens)]))
        }
    }

    @Test("H100 is faster than A100 for the same model and batch")
    func h100Faster() throws {
        for model in ["llama-3.1-8b", "llama-3-70b"] {
            let a100 = LatencyModel(profile: try HardwareProfile.named(model: model, gpu: "a100"))
            let h100 = LatencyModel(profile: try HardwareProfile.named(model: model, gpu: "h100"))
            #expect(seconds(h100, decodeBatch(64, context: 1500)) < seconds(a100, decodeBatch(64, context: 1500)))
            #expect(seconds(h100, [prefill(4096)]) < seconds(a100, [prefill(4096)]))
        }
    }

    @Test("swap adds blocks × 16 × KV bytes per token per GPU over the host-link bandwidth")
    func swapCost() throws {
        let profile = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "a100")
        let model = LatencyModel(profile: profile)
        let sequences = decodeBatch(8, context: 700)
        let plain = model.iterationTime(for: ExecutionBatch(sequences: sequences)).seconds
        let swapped = model.iterationTime(
            for: ExecutionBatch(sequences: sequences, swapInBlockCount: 10, swapOutBlockCount: 5)
        ).seconds
        // 15 blocks × 16 tokens × 131,072 bytes (2 × 32 layers × 8 heads × 128 × 2 bytes) at 31.5 GB/s.
        let expected = 15.0 * 16 * 131_072 / 31.5e9
        #expect(abs((swapped - plain) - expected) < 1e-9)

        // 70B on four GPUs: each GPU moves its quarter over its own PCIe 5.0 link (63 GB/s).
        let large = try HardwareProfile.named(model: "llama-3-70b", gpu: "h100")
        let perGPU = 2.0 * 80 * 8 * 128 * 2 / 4
        #expect(abs(large.swapTime(blocks: 7).seconds - 7 * 16 * perGPU / 63e9) < 1e-12)
    }

    @Test("an empty batch takes no time")
    func emptyBatch() throws {
        let model = LatencyModel(profile: try HardwareProfile.named(model: "llama-3.1-8b", gpu: "h100"))
        #expect(model.iterationTime(for: ExecutionBatch(sequences: [])) == .zero)
    }

    @Test("decode iterations sit in a physically plausible band")
    func plausibleMagnitudes() throws {
        // Batch-1 decode must at least read every weight once: 16 GB at A100-80GB's 2.04 TB/s is
        // 7.9 ms; and no profile is so slow that it is off by an order of magnitude.
        let model = LatencyModel(profile: try HardwareProfile.named(model: "llama-3.1-8b", gpu: "a100"))
        let t = seconds(model, decodeBatch(1, context: 1000))
        #expect(t > 16.06e9 / 2.039e12 && t < 10 * 16.06e9 / 2.039e12)
    }
}

extension LatencyModel: CustomTestStringConvertible {
    public var testDescription: String { profile.name }
}
