/// Keys and values of every layer in fixed-size blocks of RAM, indexed by the physical block
/// numbers of the engine's block tables (the engine's block manager decides who owns which).
///
/// One block holds `blockSize` token slots for every layer, keys then values. Within a block a
/// KV head's keys are stored transposed, `[dimension][slot]`, so the attention loop scores a
/// whole block of positions per vector instruction without a horizontal sum per position; its
/// values stay `[slot][dimension]`, the order in which they are weighted and summed.
///
/// Elements are fp32 by default, which keeps attention comparable with the reference, or fp16
/// (`KVCacheDataType.float16`, as llama.cpp keeps them): half the memory and half the bytes
/// read per decoded token, at fp16's 11-bit precision. The arena is allocated once and
/// untouched pages stay virtual, so resident memory grows only with the context in use.
public final class PagedKVCache: @unchecked Sendable {
    public let layerCount: Int
    public let blockCount: Int
    public let blockSize: Int
    public let kvHeadCount: Int
    public let headDimension: Int
    public let dataType: KVCacheDataType

    private let storage: UnsafeMutableRawPointer

    /// Bytes one KV head's keys (or values) take in one block and layer.
    let headPlaneBytes: Int
    /// Bytes one layer's keys (or values) take in one block.
    var planeBytes: Int { kvHeadCount * headPlaneBytes }
    /// Bytes one block takes over all layers.
    var blockBytes: Int { layerCount * 2 * planeBytes }

    /// Bytes one token's keys and values take over all layers.
    public static func bytesPerToken(
        layerCount: Int, kvHeadCount: Int, headDimension: Int, dataType: KVCacheDataType = .float32
    ) -> Int {
        layerCount * 2 * kvHeadCount * headDimension * dataType.elementByteCount
    }

    /// - Precondition: `blockSize` is 16, 32, 48 or 64 (the attention kernels score 16 slots
    ///   at a time, and each thread's scores rows are padded for blocks of up to 64) and
    ///   `headDimension` is a multiple of 8.
    public init(
        layerCount: Int, blockCount: Int, blockSize: Int, kvHeadCount: Int, headDimension: Int,
        dataType: KVCacheDataType = .float32
    ) {
        precondition(
            blockSize > 0 && blockSize % 16 == 0 && blockSize <= LlamaWorkspace.maxBlockSize,
            "KV block size must be 16, 32, 48 or 64")
        precondition(headDimension % 8 == 0, "head dimension must be a multiple of 8")
        self.layerCount = layerCount
        self.blockCount = blockCount
        self.blockSize = blockSize
        self.kvHeadCount = kvHeadCount
        self.headDimension = headDimension
        self.dataType = dataType
        headPlaneBytes = blockSize * headDimension * dataType.elementByteCount
        let total = blockCount * layerCount * 2 * kvHeadCount * headPlaneBytes
        storage = .allocate(byteCount: max(64, total), alignment: 64)
    }

    deinit { storage.deallocate() }

    /// One KV head's keys in `block`: `headDimension` rows of `blockSize` slots.
    @inline(__always)
    func keys(block: Int, layer: Int, kvHead: Int) -> UnsafeMutableRawPointer {
        storage + block * blockBytes + layer * 2 * planeBytes + kvHead * headPlaneBytes
    }

    /// One KV head's values in `block`: `blockSize` rows of `headDimension` elements.
    @inline(__always)
    func values(block: Int, layer: Int, kvHead: Int) -> UnsafeMutableRawPointer {
        storage + block * blockBytes + (layer * 2 + 1) * planeBytes + kvHead * headPlaneBytes
    }

    /// Stores one token's keys and values (`kvHeadCount × headDimension` each) at `slot`.
    func store(
        layer: Int, block: Int, slot: Int, keys key: UnsafePointer<Float>,
        values value: UnsafePointer<Float>
    ) {
        let dimension = headDimension
        for head in 0..<kvHeadCount {
            let k = keys(block: block, layer: layer, kvHead: head)
            let v = values(block: block, layer: layer, kvHead: head)
            let sourceKey = key + head * dimension, sourceValue = value + head * dimension
            switch dataType {
            case .float32:
                let kf = k.assumingMemoryBound(to: Float.self)
                for d in 0..<dimension { kf[d * blockSize + slot] = sourceKey[d] }
                (v.assumingMemoryBound(to: Float.self) + slot * dimension).update(from: sourceValue, count: dimension)
            case .float16:
                let kh = k.assumingMemoryBound(to: Float16.self)
                for d in 0..<dimension { kh[d * blockSize + slot] = Float16(sourceKey[d]) }
                let vh = v + slot * dimension * 2
                var d = 0
                while d < dimension {
                    let wide = UnsafeRawPointer(sourceValue + d).loadUnaligned(as: SIMD8<Float>.self)
                    vh.storeBytes(of: SIMD8<Float16>(wide), toByteOffset: d * 2, as: SIMD8<Float16>.self)
                    d += 8
                }
            }
        }
    }

    /// Reads back the key and value of `kvHead` at (`block`, `slot`) as fp32 (tests, checks).
    public func entry(layer: Int, block: Int, slot: Int, kvHead: Int) -> (key: [Float], value: [Float]) {
        let k = keys(block: block, layer: layer, kvHead: kvHead)
        let v = values(block: block, layer: layer, kvHead: kvHead)
        let dimension = headDimension
        switch dataType {
        case .float32:
            let kf = k.assumingMemoryBound(to: Float.self), vf = v.assumingMemoryBound(to: Float.self)
            return ((0..<dimension).map { kf[$0 * blockSize + slot] }, (0..<dimension).map { vf[slot * dimension + $0] })
        case .float16:
            let kh = k.assumingMemoryBound(to: Float16.self), vh = v.assumingMemoryBound(to: Float16.self)
            return ((0..<dimension).map { Float(kh[$0 * blockSize + slot]) },
                    (0..<dimension).map { Float(vh[slot * dimension + $0]) })
        }
    }

    /// Copies block `source` to `destination` (all layers): a cached prefix that ends part-way
    /// into `source` becomes the start of a request's own block (`ExecutionBatch.blockCopies`).
    public func copyBlock(from source: Int, to destination: Int) {
        (storage + destination * blockBytes).copyMemory(from: storage + source * blockBytes, byteCount: blockBytes)
    }
}
