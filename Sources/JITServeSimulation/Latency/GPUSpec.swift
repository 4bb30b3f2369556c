/// One accelerator: its memory and the host link that swap traffic crosses.
public struct GPUSpec: Sendable, Equatable {
    /// CLI spelling (`--gpu`).
    public let name: String
    /// Human-readable part name.
    public let displayName: String
    /// Device memory as nvidia-smi reports its total.
    public let memoryBytes: Int
    /// One direction of the host link, bytes per second.
    public let hostLinkBytesPerSecond: Double
    /// Name of the host link, for reports.
    public let hostLink: String

    public init(name: String, displayName: String, memoryBytes: Int, hostLinkBytesPerSecond: Double, hostLink: String) {
        self.name = name
        self.displayName = displayName
        self.memoryBytes = memoryBytes
        self.hostLinkBytesPerSecond = hostLinkBytesPerSecond
        self.hostLink = hostLink
    }

    private static let mebibyte = 1 << 20

    /// A100-SXM4-80GB: 81,920 MiB; PCIe 4.0 x16 (16 GT/s × 16 lanes × 128/130 ÷ 8 = 31.5 GB/s).
    public static let a100 = GPUSpec(
        name: "a100", displayName: "A100-SXM4-80GB", memoryBytes: 81_920 * mebibyte,
        hostLinkBytesPerSecond: 31.5e9, hostLink: "PCIe 4.0 x16, 31.5 GB/s")

    /// H100-SXM5-80GB: 81,559 MiB; PCIe 5.0 x16 (32 GT/s × 16 lanes × 128/130 ÷ 8 = 63 GB/s).
    public static let h100 = GPUSpec(
        name: "h100", displayName: "H100-SXM5-80GB", memoryBytes: 81_559 * mebibyte,
        hostLinkBytesPerSecond: 63e9, hostLink: "PCIe 5.0 x16, 63 GB/s")

    public static let catalogue: [GPUSpec] = [.a100, .h100]
}
