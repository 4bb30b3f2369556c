import JITServeCPU
import JITServeCore
import Testing

/// The Q8-activation (byte dot product) kernels: against a naive loop over the same rounded
/// activations, within rounding of the exact product, and batch-invariant bit for bit.
struct QuantizedMatrixByteDotTests {
    /// `tokens` rows rounded as the spec of `ActivationDataType.q8` says: per 32-element block,
    /// scale = max|x| / 127 and q = x · (1 / scale) rounded to the nearest integer, ties to even.
    static func rounded(_ input: [Float], columns: Int) -> (values: [Float], scales: [Float]) {
        var values: [Float] = [], scales: [Float] = []
        for start in stride(from: 0, to: input.count, by: 32) {
            let block = input[start..<(start + 32)]
            let scale = block.map { abs($0) }.max()! / 127
            let inverse: Float = scale > 0 ? 1 / scale : 0
            scales.append(scale)
            values.append(contentsOf: block.map { scale * ($0 * inverse).rounded(.toNearestOrEven) })
        }
        return (values, scales)
    }

    /// Each kernel this machine runs: the sequential rows' AVX2 kernel, and the interleaved
    /// rows' with each instruction set (VNNI only where the CPU has it).
    static var variants: [(layout: QuantizedMatrix.RowLayout, kernel: QuantizedMatrix.InterleavedKernel)] {
        [(.sequential, .avx2)] + QuantizedMatrix.InterleavedKernel.allCases.filter(\.isSupported).map { (.interleaved, $0) }
    }

    /// A random problem whose matrix is in `layout`. The callers give sequential rows an odd
    /// count (the two-row kernel's last row alone) and interleaved rows whole groups of eight.
    static func problem(
        _ type: GGMLType, _ layout: QuantizedMatrix.RowLayout, rows: Int, columns: Int, tokens: Int, seed: UInt64
    ) throws -> (matrix: QuantizedMatrix, values: [Float], input: [Float]) {
        let (matrix, values, input, _) = try QuantizedMatrixTests.randomProblem(
            type, rows: rows, columns: columns, tokens: tokens, seed: seed)
        matrix.setRowLayout(layout)
        #expect(matrix.rowLayout == layout)
        return (matrix, values, input)
    }

    /// 96 columns are three blocks; 576 (SmolLM2's width) are 18, past the offsets' vector loop.
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0], [(1, 96), (3, 576), (4, 96), (7, 576), (9, 96), (40, 576)])
    func byteDotMatchesANaiveLoopOverTheRoundedActivations(type: GGMLType, shape: (tokens: Int, columns: Int)) throws {
        let (tokens, columns) = shape
        let pool = ThreadPool(threadCount: 2)
        for (layout, kernel) in Self.variants {
            let rows = layout == .sequential ? 45 : 48
            let (matrix, values, input) = try Self.problem(type, layout, rows: rows, columns: columns, tokens: tokens, seed: 21)
            let (roundedInput, scales) = Self.rounded(input, columns: columns)
            var output = [Float](repeating: 0, count: tokens * rows)
            matrix.multiply(
                input, tokenCount: tokens, inputStride: columns, into: &output, outputStride: rows,
                accumulate: false, pool: pool, quantizedInput: QuantizedActivations(), interleavedKernel: kernel)
            for t in 0..<tokens {
                for r in 0..<rows {
                    var expected = 0.0, exact = 0.0, roundingBound = 0.0
                    for k in 0..<columns {
                        let w = Double(values[r * columns + k])
                        expected += Double(roundedInput[t * columns + k]) * w
                        exact += Double(input[t * columns + k]) * w
                        roundingBound += abs(w) * Double(scales[(t * columns + k) / 32]) / 2
                    }
                    let got = Double(output[t * rows + r])
                    #expect(abs(got - expected) < 1e-4, "\(layout) \(kernel) t=\(t) r=\(r): \(got) vs \(expected)")
                    // Rounding moves each activation by at most half its block's scale.
                    #expect(abs(got - exact) <= roundingBound + 1e-4, "\(layout) \(kernel) t=\(t) r=\(r)")
                }
            }
        }
    }

    /// The largest products the Q4 kernels meet: every nibble 15 against activations of ±127
    /// (every element of a block equal, so each rounds to the block's maximum). AVX2's
    /// interleaved kernel sums a block's eight byte pairs per lane in int16 before widening
    /// them (30,480 at most here, just under the 32,767 bound): were it to sum one pair more, or
    /// a nibble be larger, the lanes would wrap and these outputs be far off.
    @Test(arguments: [GGMLType.q4_0, .q4_1], [Float(1), -1])
    func largestNibblesAgainstLargestActivationsStayExact(type: GGMLType, sign: Float) throws {
        let rows = 16, columns = 96, tokens = 5
        let d = Float16(0.0625), m = type == .q4_1 ? Float16(0) : nil
        var bytes: [UInt8] = []
        for _ in 0..<(rows * columns / 32) {
            for half in [d, m].compactMap({ $0 }) { bytes += [UInt8(half.bitPattern & 0xFF), UInt8(half.bitPattern >> 8)] }
            bytes += [UInt8](repeating: 0xFF, count: 16)
        }
        let weight = Float(d) * (type == .q4_1 ? 15 : 7)
        let tensor = GGUFTensor(name: "test.max", type: type, dimensions: [columns, rows], offset: 0, byteCount: bytes.count)
        let input = [Float](repeating: sign * 0.5, count: tokens * columns)
        let pool = ThreadPool(threadCount: 2)
        for (layout, kernel) in Self.variants {
            let matrix = try bytes.withUnsafeBytes { try QuantizedMatrix(tensor: tensor, data: $0) }
            matrix.setRowLayout(layout)
            var output = [Float](repeating: 0, count: tokens * rows)
            matrix.multiply(
                input, tokenCount: tokens, inputStride: columns, into: &output, outputStride: rows,
                accumulate: false, pool: pool, quantizedInput: QuantizedActivations(), interleavedKernel: kernel)
            let expected = Double(sign) * 0.5 * Double(weight) * Double(columns)
            for value in output {
                #expect(abs(Double(value) - expected) <= 1e-3 * abs(expected), "\(type) \(layout) \(kernel): \(value) vs \(expected)")
            }
        }
    }

    /// As with fp32 activations, a token's outputs must not depend on its batch. From 16 tokens
    /// the interleaved matrix has 152 rows (nineteen groups, which the pool hands out two at a
    /// time), so that VNNI's sixteen-row pairs take the batch while each token alone takes the
    /// eight-row kernel: 23 tokens end in a tile of three; 40 also round their activations on both
    /// threads.
    @Test(arguments: [GGMLType.q4_1, .q8_0], [5, 8, 13, 23, 40])
    func byteDotTokensMatchEachTokenAloneBitForBit(type: GGMLType, tokens: Int) throws {
        let columns = 320
        let pool = ThreadPool(threadCount: 2)
        let activations = QuantizedActivations()
        for (layout, kernel) in Self.variants {
            let rows = layout == .sequential ? 37 : tokens >= 16 ? 152 : 40
            let (matrix, _, input) = try Self.problem(type, layout, rows: rows, columns: columns, tokens: tokens, seed: 12)
            var batched = [Float](repeating: 0, count: tokens * rows)
            matrix.multiply(
                input, tokenCount: tokens, inputStride: columns, into: &batched, outputStride: rows,
                accumulate: false, pool: pool, quantizedInput: activations, interleavedKernel: kernel)
            for t in 0..<tokens {
                var alone = [Float](repeating: 0, count: rows)
                input.withUnsafeBufferPointer { x in
                    matrix.multiply(
                        x.baseAddress! + t * columns, tokenCount: 1, inputStride: columns, into: &alone,
                        outputStride: rows, accumulate: false, pool: pool, quantizedInput: activations,
                        interleavedKernel: kernel)
                }
                for r in 0..<rows {
                    #expect(batched[t * rows + r].bitPattern == alone[r].bitPattern, "\(layout) \(kernel) t=\(t) r=\(r)")
                }
            }
        }
    }

    /// Weights stored as fp32 have no bytes to meet: they keep the fp32 kernels, bit for bit.
    @Test func floatWeightsIgnoreQ8Activations() throws {
        let rows = 9, columns = 64, tokens = 5
        let (matrix, _, input, _) = try QuantizedMatrixTests.randomProblem(
            .f16, rows: rows, columns: columns, tokens: tokens, seed: 13)
        let pool = ThreadPool(threadCount: 1)
        var plain = [Float](repeating: 0, count: tokens * rows)
        var asked = plain
        matrix.multiply(input, tokenCount: tokens, inputStride: columns, into: &plain, outputStride: rows,
                        accumulate: false, pool: pool)
        matrix.multiply(input, tokenCount: tokens, inputStride: columns, into: &asked, outputStride: rows,
                        accumulate: false, pool: pool, quantizedInput: QuantizedActivations())
        #expect(plain.map(\.bitPattern) == asked.map(\.bitPattern))
    }

    /// An all-zero block (scale 0) must give zeros, not NaN from 0 / 0.
    @Test func aZeroBlockContributesNothing() throws {
        let rows = 4, columns = 64
        let (matrix, values, _, _) = try QuantizedMatrixTests.randomProblem(
            .q4_1, rows: rows, columns: columns, tokens: 1, seed: 14)
        var input = [Float](repeating: 0, count: columns)
        input[40] = 0.5  // second block only
        var output = [Float](repeating: .nan, count: rows)
        matrix.multiply(input, tokenCount: 1, inputStride: columns, into: &output, outputStride: rows,
                        accumulate: false, pool: ThreadPool(threadCount: 1), quantizedInput: QuantizedActivations())
        for r in 0..<rows {
            // 0.5 is the block's largest value: it rounds to exactly 127 · (0.5 / 127).
            #expect(abs(output[r] - 0.5 * values[r * columns + 40]) < 1e-5, "r=\(r)")
        }
    }
}
