import Foundation
import JITServeCPU
import Testing

/// A GGUF outside the supported family is refused at load with the key or tensor at fault.
@Suite struct UnsupportedModelTests {
    static func configurationError(_ metadata: [(String, GGUFValue)], embeddingWidth: Int = 64) throws -> String {
        var writer = GGUFTestWriter()
        writer.metadata = metadata
        let width = UInt64(embeddingWidth)
        writer.tensors = [GGUFTestWriter.Tensor(
            name: "token_embd.weight", typeID: 0, dimensions: [width, 4], data: [UInt8](repeating: 0, count: Int(width) * 16))]
        do {
            _ = try LlamaConfiguration(gguf: try GGUFFile(contentsOf: try writer.write()))
            return ""
        } catch {
            return "\(error)"
        }
    }

    static let llama: [(String, GGUFValue)] = [
        ("general.architecture", .string("llama")), ("llama.embedding_length", .uint32(64)),
        ("llama.attention.head_count", .uint32(4)), ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)),
        ("llama.block_count", .uint32(1)), ("llama.feed_forward_length", .uint32(128)),
        ("llama.context_length", .uint32(64)),
    ]

    @Test func theBaseFileLoads() throws {
        #expect(try Self.configurationError(Self.llama) == "")
    }

    @Test func anotherArchitectureIsNamed() throws {
        let message = try Self.configurationError([("general.architecture", .string("gemma2"))])
        #expect(message.contains("'gemma2' is not supported") && message.contains("qwen2"))
    }

    @Test func yarnScalingIsNamed() throws {
        let message = try Self.configurationError(Self.llama + [("llama.rope.scaling.type", .string("yarn"))])
        #expect(message.contains("llama.rope.scaling.type") && message.contains("'yarn'"))
    }

    @Test func aMissingKeyIsNamed() throws {
        let message = try Self.configurationError(Self.llama.filter { $0.0 != "llama.attention.layer_norm_rms_epsilon" })
        #expect(message.contains("llama.attention.layer_norm_rms_epsilon"))
    }

    @Test func linearScalingDividesPositions() throws {
        var writer = GGUFTestWriter()
        writer.metadata = Self.llama + [("llama.rope.scaling.type", .string("linear")), ("llama.rope.scaling.factor", .float32(4))]
        writer.tensors = [GGUFTestWriter.Tensor(name: "token_embd.weight", typeID: 0, dimensions: [64, 4], data: [UInt8](repeating: 0, count: 1024))]
        let configuration = try LlamaConfiguration(gguf: try GGUFFile(contentsOf: try writer.write()))
        #expect(configuration.ropeLinearFactor == 4)
        let scaled = Kernels.ropeTable(positions: 9, headDimension: 16, base: 10_000, frequencyFactors: nil, linearFactor: 4)
        let plain = Kernels.ropeTable(positions: 9, headDimension: 16, base: 10_000, frequencyFactors: nil, linearFactor: 1)
        // Position 8 scaled by 4 is position 2 unscaled.
        #expect(zip(scaled[(8 * 16)..<(9 * 16)], plain[(2 * 16)..<(3 * 16)]).allSatisfy { abs($0 - $1) < 1e-6 })
    }
}
