/// A model served on a GPU type at one tensor-parallel degree: the fitted latency tables, the KV
/// capacity they leave, and the host link that swapping crosses.
public struct HardwareProfile: Sendable {
    public let model: ModelSpec
    public let gpu: GPUSpec
    /// GPUs the model is sharded across (tensor parallelism); each holds 1/TP of weights and KV.
    public let tensorParallelism: Int
    public let tables: LatencyTables

    /// Share of device memory the engine may use (vLLM's `gpu_memory_utilization` default).
    public var memoryUtilization = 0.9
    /// Tokens per KV block (vLLM's default block size).
    public var blockSize = 16
    /// Host memory set aside for swapped-out KV, over the whole replica.
    public var hostSwapBytes = 64 << 30
    /// Token budget the activation reserve is sized for (the engine's largest iteration).
    public var reserveTokens = 8192

    public init(model: ModelSpec, gpu: GPUSpec, tensorParallelism: Int, tables: LatencyTables) {
        self.model = model
        self.gpu = gpu
        self.tensorParallelism = tensorParallelism
        self.tables = tables
    }

    /// Profiles with fitted tables, in catalogue order.
    public static let catalogue: [HardwareProfile] = [
        HardwareProfile(model: .llama31_8B, gpu: .a100, tensorParallelism: 1, tables: .llama31_8B_A100),
        HardwareProfile(model: .llama3_70B, gpu: .a100, tensorParallelism: 4, tables: .llama3_70B_TP4_A100),
        HardwareProfile(model: .llama31_8B, gpu: .h100, tensorParallelism: 1, tables: .llama31_8B_H100),
        HardwareProfile(model: .llama3_70B, gpu: .h100, tensorParallelism: 4, tables: .llama3_70B_TP4_H100),
    ]

    /// The profile for `--model` and `--gpu` (70B always runs tensor-parallel 4, 8B on one GPU).
    /// - Throws: `SimulationError.unknownHardware` naming the option and listing the valid names.
    public static func named(model: String, gpu: String) throws -> HardwareProfile {
        let modelName = model.lowercased()
        let gpuName = gpu.lowercased()
        guard ModelSpec.catalogue.contains(where: { $0.name == modelName }) else {
            throw SimulationError.unknownHardware(
                option: "--model", value: model, valid: ModelSpec.catalogue.map(\.name))
        }
        guard GPUSpec.catalogue.contains(where: { $0.name == gpuName }) else {
            throw SimulationError.unknownHardware(
                option: "--gpu", value: gpu, valid: GPUSpec.catalogue.map(\.name))
        }
        guard let profile = catalogue.first(where: { $0.model.name == modelName && $0.gpu.name == gpuName }) else {
            throw SimulationError.unknownHardware(
                option: "--model/--gpu", value: "\(model) on \(gpu)", valid: catalogue.map(\.name))
        }
        return profile
    }

    /// `model@gpu` with the tensor-parallel degree when above 1, e.g. `llama-3-70b@a100×4`.
    public var name: String {
        tensorParallelism > 1 ? "\(model.name)@\(gpu.name)×\(tensorParallelism)" : "\(model.name)@\(gpu.name)"
    }

    // MARK: Memory

    /// Weight bytes each GPU holds (bf16).
    public var weightBytesPerGPU: Double { Double(model.parameterCount) * 2 / Double(tensorParallelism) }

    /// Peak activation memory kept free per GPU: for `reserveTokens` tokens, the MLP's gate, up and
    /// activation outputs (3 × FFN / TP) plus four hidden-width buffers, in bf16, and 1 GiB for the
    /// CUDA context, cuBLAS workspace and NCCL buffers. An estimate of what vLLM's profiling run
    /// finds, not a measurement.
    public var activationReserveBytesPerGPU: Double {
        let widths = 3 * Double(model.intermediateSize) / Double(tensorParallelism) + 4 * Double(model.hiddenSize)
        return Double(reserveTokens) * widths * 2 + Double(1 << 30)
    }

    /// KV bytes one token keeps on each GPU.
    public var kvBytesPerTokenPerGPU: Double { Double(model.kvBytesPerToken) / Double(tensorParallelism) }

    /// Device KV blocks: (memory × utilisation − weights − reserve) / (KV bytes per token × block size).
    public var kvBlockCapacity: Int {
        let free = Double(gpu.memoryBytes) * memoryUtilization - weightBytesPerGPU - activationReserveBytesPerGPU
        return max(0, Int((free / (kvBytesPerTokenPerGPU * Double(blockSize))).rounded(.down)))
    }

    /// Device KV capacity in tokens (whole blocks).
    public var kvCapacityTokens: Int { kvBlockCapacity * blockSize }

    /// Host blocks available to swap preemption.
    public var swapBlockCapacity: Int { hostSwapBytes / (model.kvBytesPerToken * blockSize) }

    /// Time to copy `blocks` KV blocks across the host link, one direction. Each GPU moves its own
    /// shard over its own link, so the shards travel in parallel.
    public func swapTime(blocks: Int) -> Duration {
        .seconds(Double(blocks * blockSize) * kvBytesPerTokenPerGPU / gpu.hostLinkBytesPerSecond)
    }
}
