import CByteDot

/// A batch of activation rows in Q8 form, for the byte-dot decode kernels: each 32-element block
/// of a row becomes 32 signed bytes `q` and a scale `d` (value ≈ d·q, |q| ≤ 127), plus the
/// rounded block's sum d·Σq, which a weight block's offset multiplies (Σ (d_w·q_w + m_w)·d·q =
/// d_w·d·Σ q_w·q + m_w·d·Σ q). The product is then exactly the product with the rounded
/// activations, as llama.cpp's Q8_1 computes it. Grown on demand and reused, so a decode step
/// allocates nothing.
public final class QuantizedActivations: @unchecked Sendable {
    private(set) var values: UnsafeMutablePointer<Int8> = .allocate(capacity: 32)
    private(set) var scales: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    private(set) var sums: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    /// Each block's Σq itself: the VNNI kernel multiplies Q8 weights offset to unsigned bytes
    /// (w + 128) and takes 128·Σq back off, exactly, in integers.
    private(set) var byteSums: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private var elementCapacity = 32
    private var blockCapacity = 1
    /// Row length of what `quantize` wrote last (elements; the rows are packed).
    private(set) var columns = 0

    /// An empty buffer; the first `QuantizedMatrix.multiply` that uses it sizes it.
    public init() {}

    deinit {
        values.deallocate()
        scales.deallocate()
        sums.deallocate()
        byteSums.deallocate()
    }

    /// Blocks per row of what `quantize` wrote last.
    var blocksPerRow: Int { columns / QuantizedMatrix.blockLength }

    /// Rounds `tokenCount` rows of `columns` floats (`inputStride` apart) into Q8, one token's
    /// blocks after another's. Each block depends on its own 32 values only, so a token's bytes
    /// do not depend on the batch it is in.
    func quantize(_ input: UnsafePointer<Float>, tokenCount: Int, inputStride: Int, columns: Int) {
        reserve(tokenCount: tokenCount, columns: columns)
        quantizeTokens(0..<tokenCount, input, inputStride: inputStride)
    }

    /// The same, the tokens split over `pool`'s threads when there are enough of them (a
    /// prefill): rounded on one thread, a 512-token batch kept the other core waiting for
    /// about a tenth of each matrix product's time. Each token's bytes are the same either way.
    func quantize(
        _ input: UnsafePointer<Float>, tokenCount: Int, inputStride: Int, columns: Int, pool: ThreadPool
    ) {
        guard tokenCount >= Self.parallelTokenCount else {
            return quantize(input, tokenCount: tokenCount, inputStride: inputStride, columns: columns)
        }
        reserve(tokenCount: tokenCount, columns: columns)
        let inputAddress = UInt(bitPattern: input)
        pool.parallelFor(tokenCount, granularity: 8) { tokens in
            self.quantizeTokens(tokens, UnsafePointer<Float>(bitPattern: inputAddress)!, inputStride: inputStride)
        }
    }

    /// Batches from this many tokens are rounded on every thread; a decode step's few tokens
    /// round in less time than handing them out takes.
    static let parallelTokenCount = 32

    /// Sizes the buffers for `tokenCount` rows of `columns`.
    private func reserve(tokenCount: Int, columns: Int) {
        reserve(elements: tokenCount * columns, blocks: tokenCount * (columns / QuantizedMatrix.blockLength))
        self.columns = columns
    }

    /// Rounds rows `tokens` (the buffers already sized); rows write disjoint memory, so threads
    /// may round different rows at once.
    private func quantizeTokens(_ tokens: Range<Int>, _ input: UnsafePointer<Float>, inputStride: Int) {
        let columns = self.columns
        let blocks = columns / QuantizedMatrix.blockLength
        for token in tokens {
            let row = UnsafeRawPointer(input + token * inputStride)
            for block in 0..<blocks {
                let o = block * 128
                let x0 = row.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                let x1 = row.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
                let x2 = row.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
                let x3 = row.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
                let scale = jit_largest_magnitude(x0, x1, x2, x3) / 127
                let inverse = SIMD8<Float>(repeating: scale > 0 ? 1 / scale : 0)
                let index = token * blocks + block
                scales[index] = scale
                let bytes = jit_round_to_bytes(x0 * inverse, x1 * inverse, x2 * inverse, x3 * inverse)
                let byteSum = jit_byte_sum(bytes)
                byteSums[index] = byteSum
                sums[index] = scale * Float(byteSum)
                UnsafeMutableRawPointer(values + token * columns + block * 32).storeBytes(of: bytes, as: SIMD32<Int8>.self)
            }
        }
    }

    private func reserve(elements: Int, blocks: Int) {
        if elements > elementCapacity {
            values.deallocate()
            elementCapacity = max(elements, 2 * elementCapacity)
            values = .allocate(capacity: elementCapacity)
        }
        if blocks > blockCapacity {
            scales.deallocate()
            sums.deallocate()
            byteSums.deallocate()
            blockCapacity = max(blocks, 2 * blockCapacity)
            scales = .allocate(capacity: blockCapacity)
            sums = .allocate(capacity: blockCapacity)
            byteSums = .allocate(capacity: blockCapacity)
        }
    }
}
