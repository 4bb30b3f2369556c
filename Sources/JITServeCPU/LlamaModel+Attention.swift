extension LlamaModel {
    /// Grouped-query attention for every row of the batch, reading keys and values through each
    /// sequence's block table. A row at position `p` attends to positions `0...p` of its own
    /// sequence: the context cached before this iteration and the rows of its own chunk up to
    /// itself (causal), or only the last `slidingWindow` of them (Mistral). Work units are
    /// (row, KV head) pairs, dealt round-robin to the threads because later rows of a prefill
    /// chunk have longer contexts.
    func attend(layer: Int, plan: BatchLayout, cache: PagedKVCache) {
        let c = configuration
        let ws = workspace
        let units = plan.rowCount * c.kvHeadCount
        let scale = 1 / Float(c.headDimension).squareRoot()
        pool.run { thread, threads in
            let scores = ws.scores + thread * c.groupSize * c.contextLength
            var unit = thread
            while unit < units {
                let row = unit / c.kvHeadCount
                let kvHead = unit % c.kvHeadCount
                Self.attendUnit(
                    row: row, kvHead: kvHead, layer: layer, plan: plan, cache: cache,
                    configuration: c, workspace: ws, scores: scores, scale: scale)
                unit += threads
            }
        }
    }

    private static func attendUnit(
        row: Int, kvHead: Int, layer: Int, plan: BatchLayout, cache: PagedKVCache,
        configuration c: LlamaConfiguration, workspace ws: LlamaWorkspace,
        scores: UnsafeMutablePointer<Float>, scale: Float
    ) {
        let dimension = c.headDimension
        let qkvWidth = c.embeddingLength + 2 * c.kvWidth
        let group = c.groupSize
        let length = plan.positions[row] + 1
        // Sliding-window attention: the row sees positions `first..<length`.
        let first = c.slidingWindow.map { max(0, length - $0) } ?? 0
        let seen = length - first
        let table = plan.sequences[plan.sequenceOfRow[row]].blockTable
        let blockSize = cache.blockSize
        let firstHead = kvHead * group
        let queries = UnsafeRawPointer(ws.qkv + row * qkvWidth + firstHead * dimension)

        // Scores q·k / sqrt(d) for every position seen, one row of `seen` per query head.
        var position = first
        while position < length {
            let block = Int(table[position / blockSize])
            let keys = cache.keys(block: block, layer: layer) + kvHead * blockSize * dimension
            let firstSlot = position % blockSize
            let count = min(blockSize - firstSlot, length - position)
            for slot in firstSlot..<(firstSlot + count) {
                let key = UnsafeRawPointer(keys + slot * dimension)
                for head in 0..<group {
                    let query = queries + head * dimension * 4
                    var a = SIMD8<Float>(), b = SIMD8<Float>()
                    var offset = 0
                    while offset < dimension * 4 {
                        a = a.addingProduct(
                            query.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self),
                            key.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self))
                        b = b.addingProduct(
                            query.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self),
                            key.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self))
                        offset += 64
                    }
                    scores[head * seen + position - firstSlot + slot - first] = (a + b).sum() * scale
                }
            }
            position += count
        }

        for head in 0..<group {
            let weights = scores + head * seen
            Kernels.softmax(weights, count: seen)
            let output = ws.attention + row * c.embeddingLength + (firstHead + head) * dimension
            if dimension == 64 {
                accumulateValues64(
                    weights, first: first, length: length, table: table, layer: layer, kvHead: kvHead,
                    cache: cache, into: output)
            } else {
                accumulateValues(
                    weights, first: first, length: length, table: table, layer: layer, kvHead: kvHead,
                    cache: cache, into: output)
            }
        }
    }

    /// `output = Σ_j weights[j − first] · V_j` over `first..<length`, with the 64-wide
    /// accumulator held in registers.
    private static func accumulateValues64(
        _ weights: UnsafePointer<Float>, first: Int, length: Int, table: [Int32], layer: Int, kvHead: Int,
        cache: PagedKVCache, into output: UnsafeMutablePointer<Float>
    ) {
        let blockSize = cache.blockSize
        // Eight named SIMD8 accumulators: a SIMD64 value is spilled through the stack on every
        // step by the compiler, which made this loop several times slower.
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var s4 = SIMD8<Float>(), s5 = SIMD8<Float>(), s6 = SIMD8<Float>(), s7 = SIMD8<Float>()
        var position = first
        while position < length {
            let block = Int(table[position / blockSize])
            let values = UnsafeRawPointer(cache.values(block: block, layer: layer) + kvHead * blockSize * 64)
            let firstSlot = position % blockSize
            let count = min(blockSize - firstSlot, length - position)
            for slot in firstSlot..<(firstSlot + count) {
                let v = values + slot * 256
                let w = SIMD8<Float>(repeating: weights[position - firstSlot + slot - first])
                s0 = s0.addingProduct(w, v.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self))
                s1 = s1.addingProduct(w, v.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
                s2 = s2.addingProduct(w, v.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
                s3 = s3.addingProduct(w, v.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
                s4 = s4.addingProduct(w, v.loadUnaligned(fromByteOffset: 128, as: SIMD8<Float>.self))
                s5 = s5.addingProduct(w, v.loadUnaligned(fromByteOffset: 160, as: SIMD8<Float>.self))
                s6 = s6.addingProduct(w, v.loadUnaligned(fromByteOffset: 192, as: SIMD8<Float>.self))
                s7 = s7.addingProduct(w, v.loadUnaligned(fromByteOffset: 224, as: SIMD8<Float>.self))
            }
            position += count
        }
        let out = UnsafeMutableRawPointer(output)
        for (index, part) in [s0, s1, s2, s3, s4, s5, s6, s7].enumerated() {
            out.storeBytes(of: part, toByteOffset: index * 32, as: SIMD8<Float>.self)
        }
    }

    /// The same for any head width that is a multiple of 8.
    private static func accumulateValues(
        _ weights: UnsafePointer<Float>, first: Int, length: Int, table: [Int32], layer: Int, kvHead: Int,
        cache: PagedKVCache, into output: UnsafeMutablePointer<Float>
    ) {
        let dimension = cache.headDimension
        let blockSize = cache.blockSize
        output.initialize(repeating: 0, count: dimension)
        let out = UnsafeMutableRawPointer(output)
        var position = first
        while position < length {
            let block = Int(table[position / blockSize])
            let values = cache.values(block: block, layer: layer) + kvHead * blockSize * dimension
            let firstSlot = position % blockSize
            let count = min(blockSize - firstSlot, length - position)
            for slot in firstSlot..<(firstSlot + count) {
                let weight = SIMD8<Float>(repeating: weights[position - firstSlot + slot - first])
                let value = UnsafeRawPointer(values + slot * dimension)
                for offset in stride(from: 0, to: dimension * 4, by: 32) {
                    let current = out.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                    out.storeBytes(
                        of: current.addingProduct(
                            weight, value.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)),
                        toByteOffset: offset, as: SIMD8<Float>.self)
                }
            }
            position += count
        }
    }
}
