extension LlamaModel {
    /// Grouped-query attention for every row of the batch, reading keys and values through each
    /// sequence's block table. A row at position `p` attends to positions `0...p` of its own
    /// sequence: the context cached before this iteration and the rows of its own chunk up to
    /// itself (causal), or only the last `slidingWindow` of them (Mistral). Work units are
    /// (row, KV head) pairs, claimed by the threads one at a time because later rows of a
    /// prefill chunk have longer contexts.
    func attend(layer: Int, plan: BatchLayout, cache: PagedKVCache) {
        let c = configuration
        let ws = workspace
        let scale = 1 / Float(c.headDimension).squareRoot()
        let units = plan.rowCount * c.kvHeadCount
        // One specialisation per cache element type, chosen once per layer rather than per block.
        func run<Element: KVElement>(_ element: Element.Type) {
            pool.forEachIndex(units) { unit, thread in
                Self.attendUnit(
                    row: unit / c.kvHeadCount, kvHead: unit % c.kvHeadCount, layer: layer, plan: plan,
                    cache: cache, of: element, configuration: c, workspace: ws,
                    scratch: ws.attentionScratch(thread: thread), scale: scale)
            }
        }
        switch cache.dataType {
        case .float16: run(Float16.self)
        case .float32: run(Float.self)
        }
    }

    /// One row's attention for the query heads of one KV head: scores against every cached key
    /// (block by block), softmax, then the weighted sum of the values.
    private static func attendUnit<Element: KVElement>(
        row: Int, kvHead: Int, layer: Int, plan: BatchLayout, cache: PagedKVCache, of element: Element.Type,
        configuration c: LlamaConfiguration, workspace ws: LlamaWorkspace,
        scratch: LlamaWorkspace.AttentionScratch, scale: Float
    ) {
        let dimension = c.headDimension
        let qkvWidth = c.embeddingLength + 2 * c.kvWidth
        let group = c.groupSize
        let length = plan.positions[row] + 1
        let blockSize = cache.blockSize
        // The row attends to positions `first..<length`: its whole context, or the last
        // `slidingWindow` positions of it.
        let first = c.slidingWindow.map { max(0, length - $0) } ?? 0
        // Scores are kept from the start of `first`'s block (`base`), each head's row padded to
        // whole blocks: the kernels write 16 slots at a time.
        let base = first / blockSize * blockSize
        let stride = (length - base + blockSize - 1) / blockSize * blockSize
        let firstHead = kvHead * group

        // The group's queries, pre-scaled by 1/sqrt(d) so that scores come out scaled.
        let queries = scratch.queries
        let source = ws.qkv + row * qkvWidth + firstHead * dimension
        for i in 0..<(group * dimension) { queries[i] = source[i] * scale }

        plan.withBlockTable(row: row) { table in
            // Pass 1: scores q·k for every position of the blocks that hold `first..<length`.
            var position = base, blockIndex = base / blockSize
            while position < length {
                let block = Int(table[blockIndex])
                let count = min(blockSize, length - position)
                let lanes = (count + 15) / 16 * 16
                let keys = UnsafeRawPointer(cache.keys(block: block, layer: layer, kvHead: kvHead))
                var head = 0
                while head + 2 <= group {
                    AttentionKernels.scorePair(
                        queries + head * dimension, queries + (head + 1) * dimension, keys: keys, of: element,
                        slotStride: blockSize, dimension: dimension, lanes: lanes,
                        into: scratch.scores + head * stride + position - base,
                        scratch.scores + (head + 1) * stride + position - base)
                    head += 2
                }
                if head < group {
                    AttentionKernels.score(
                        queries + head * dimension, keys: keys, of: element, slotStride: blockSize, dimension: dimension,
                        lanes: lanes, into: scratch.scores + head * stride + position - base)
                }
                position += count
                blockIndex += 1
            }

            for head in 0..<group {
                Kernels.softmax(scratch.scores + head * stride + first - base, count: length - first)
            }

            // Pass 2: the weighted sum of the values, block by block into each head's output.
            let output = ws.attention + row * c.embeddingLength + firstHead * dimension
            output.initialize(repeating: 0, count: group * dimension)
            position = first
            blockIndex = first / blockSize
            while position < length {
                let block = Int(table[blockIndex])
                let firstSlot = position % blockSize
                let count = min(blockSize - firstSlot, length - position)
                let values = UnsafeRawPointer(cache.values(block: block, layer: layer, kvHead: kvHead)
                    + firstSlot * dimension * MemoryLayout<Element>.size)
                var head = 0
                while head + 3 <= group {
                    AttentionKernels.accumulateThree(
                        scratch.scores + head * stride + position - base, weightStride: stride, count: count,
                        values: values, of: element, dimension: dimension, into: output + head * dimension)
                    head += 3
                }
                while head < group {
                    AttentionKernels.accumulate(
                        scratch.scores + head * stride + position - base, count: count, values: values, of: element,
                        dimension: dimension, into: output + head * dimension)
                    head += 1
                }
                position += count
                blockIndex += 1
            }
        }
    }
}
