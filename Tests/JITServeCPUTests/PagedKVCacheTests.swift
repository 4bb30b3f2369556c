@testable import JITServeCPU
import JITServeCore
import Testing

@Suite("Paged KV cache")
struct PagedKVCacheTests {
    /// A cache of 3 blocks × 2 layers × 2 KV heads of width 16, in `dataType`.
    static func cache(_ dataType: KVCacheDataType, blockSize: Int = 16) -> PagedKVCache {
        PagedKVCache(layerCount: 2, blockCount: 3, blockSize: blockSize, kvHeadCount: 2, headDimension: 16, dataType: dataType)
    }

    /// Keys and values of one token for every KV head, distinct per (layer, block, slot).
    static func token(layer: Int, block: Int, slot: Int) -> (keys: [Float], values: [Float]) {
        var generator = SplitMix64(seed: UInt64(layer * 10_000 + block * 100 + slot))
        return ((0..<32).map { _ in generator.uniform(-4, 4) }, (0..<32).map { _ in generator.uniform(-4, 4) })
    }

    @Test(arguments: [KVCacheDataType.float32, .float16], [16, 32])
    func everyStoredEntryReadsBack(dataType: KVCacheDataType, blockSize: Int) {
        let cache = Self.cache(dataType, blockSize: blockSize)
        let slots = [0, 1, blockSize / 2, blockSize - 1]
        for layer in 0..<2 {
            for block in 0..<3 {
                for slot in slots {
                    let t = Self.token(layer: layer, block: block, slot: slot)
                    cache.store(layer: layer, block: block, slot: slot, keys: t.keys, values: t.values)
                }
            }
        }
        // Read back after everything is written: no store may overwrite another.
        // fp16 keeps 11 significant bits: relative error at most 2^-11.
        let tolerance: Float = dataType == .float32 ? 0 : 1.0 / 2048
        for layer in 0..<2 {
            for block in 0..<3 {
                for slot in slots {
                    let t = Self.token(layer: layer, block: block, slot: slot)
                    for head in 0..<2 {
                        let entry = cache.entry(layer: layer, block: block, slot: slot, kvHead: head)
                        for d in 0..<16 {
                            let key = t.keys[head * 16 + d], value = t.values[head * 16 + d]
                            #expect(abs(entry.key[d] - key) <= tolerance * abs(key), "key \(layer)/\(block)/\(slot)/\(head)/\(d)")
                            #expect(abs(entry.value[d] - value) <= tolerance * abs(value), "value \(layer)/\(block)/\(slot)/\(head)/\(d)")
                        }
                    }
                }
            }
        }
    }

    @Test func fp16HalvesTheBytesPerToken() {
        let full = PagedKVCache.bytesPerToken(layerCount: 30, kvHeadCount: 3, headDimension: 64)
        let half = PagedKVCache.bytesPerToken(layerCount: 30, kvHeadCount: 3, headDimension: 64, dataType: .float16)
        #expect(full == 30 * 2 * 3 * 64 * 4)
        #expect(half * 2 == full)
    }

    @Test(arguments: [KVCacheDataType.float32, .float16])
    func copyBlockCopiesEveryLayerAndHead(dataType: KVCacheDataType) {
        let cache = Self.cache(dataType)
        for layer in 0..<2 {
            let t = Self.token(layer: layer, block: 0, slot: 5)
            cache.store(layer: layer, block: 0, slot: 5, keys: t.keys, values: t.values)
        }
        cache.copyBlock(from: 0, to: 2)
        for layer in 0..<2 {
            for head in 0..<2 {
                let source = cache.entry(layer: layer, block: 0, slot: 5, kvHead: head)
                let copy = cache.entry(layer: layer, block: 2, slot: 5, kvHead: head)
                #expect(copy.key == source.key && copy.value == source.value)
            }
        }
    }
}
