/// Keys and values of every layer in fixed-size blocks of RAM, indexed by the physical block
/// numbers of the engine's block tables (the engine's block manager decides who owns which).
///
/// One block holds `blockSize` token slots for every layer, keys then values, each laid out
/// `[kvHead][slot][dimension]` so one head's keys in a block are contiguous for the attention
/// loop. fp32 keeps attention bit-comparable with the reference. The arena is allocated once
/// and untouched pages stay virtual, so resident memory grows only with the context in use.
public final class PagedKVCache: @unchecked Sendable {
    public let layerCount: Int
    public let blockCount: Int
    public let blockSize: Int
    public let kvHeadCount: Int
    public let headDimension: Int

    private let storage: UnsafeMutablePointer<Float>

    /// Floats one layer's keys (or values) take in one block.
    var plane: Int { kvHeadCount * blockSize * headDimension }
    /// Floats one block takes over all layers.
    var blockStride: Int { layerCount * 2 * plane }

    /// Bytes one token's keys and values take over all layers.
    public static func bytesPerToken(layerCount: Int, kvHeadCount: Int, headDimension: Int) -> Int {
        layerCount * 2 * kvHeadCount * headDimension * MemoryLayout<Float>.size
    }

    public init(layerCount: Int, blockCount: Int, blockSize: Int, kvHeadCount: Int, headDimension: Int) {
        self.layerCount = layerCount
        self.blockCount = blockCount
        self.blockSize = blockSize
        self.kvHeadCount = kvHeadCount
        self.headDimension = headDimension
        let total = blockCount * layerCount * 2 * kvHeadCount * blockSize * headDimension
        storage = .allocate(capacity: max(1, total))
    }

    deinit { storage.deallocate() }

    /// Start of one layer's keys in `block`.
    @inline(__always)
    func keys(block: Int, layer: Int) -> UnsafeMutablePointer<Float> {
        storage + block * blockStride + layer * 2 * plane
    }

    /// Start of one layer's values in `block`.
    @inline(__always)
    func values(block: Int, layer: Int) -> UnsafeMutablePointer<Float> {
        storage + block * blockStride + (layer * 2 + 1) * plane
    }

    /// Stores one token's keys and values (`kvHeadCount × headDimension` each) at `slot`.
    @inline(__always)
    func store(
        layer: Int, block: Int, slot: Int, keys key: UnsafePointer<Float>,
        values value: UnsafePointer<Float>
    ) {
        let k = keys(block: block, layer: layer)
        let v = values(block: block, layer: layer)
        for head in 0..<kvHeadCount {
            let offset = (head * blockSize + slot) * headDimension
            (k + offset).update(from: key + head * headDimension, count: headDimension)
            (v + offset).update(from: value + head * headDimension, count: headDimension)
        }
    }

    /// Copies block `source` to `destination` (all layers), e.g. for copy-on-write forks.
    public func copyBlock(from source: Int, to destination: Int) {
        (storage + destination * blockStride).update(from: storage + source * blockStride, count: blockStride)
    }
}
