import JITServeCPU
import JITServeCore
import Testing

/// The matrix kernels against a naive triple loop over values decoded straight from the ggml
/// block layout (STACK.md), on small random matrices of every supported encoding.
struct QuantizedMatrixTests {
    /// Raw ggml bytes of a random `rows × columns` tensor, and its values decoded by the spec.
    static func randomTensor(
        _ type: GGMLType, rows: Int, columns: Int, seed: UInt64
    ) -> (tensor: GGUFTensor, bytes: [UInt8], values: [Float]) {
        var generator = SplitMix64(seed: seed)
        var bytes: [UInt8] = []
        var values: [Float] = []
        func half(_ value: Float) -> Float {
            let h = Float16(value)
            bytes.append(contentsOf: [UInt8(h.bitPattern & 0xFF), UInt8(h.bitPattern >> 8)])
            return Float(h)
        }
        for _ in 0..<(rows * columns / (type == .f32 || type == .f16 ? 1 : 32)) {
            switch type {
            case .f32:
                let v = generator.uniform(-1, 1)
                withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                values.append(v)
            case .f16:
                values.append(half(generator.uniform(-1, 1)))
            case .q4_0, .q4_1:
                let d = half(generator.uniform(0.001, 0.1))
                let m = type == .q4_1 ? half(generator.uniform(-0.5, 0.5)) : 0
                var block = [Float](repeating: 0, count: 32)
                for j in 0..<16 {
                    let low = UInt8(generator.next() % 16), high = UInt8(generator.next() % 16)
                    bytes.append(low | high << 4)
                    block[j] = type == .q4_1 ? d * Float(low) + m : d * (Float(low) - 8)
                    block[j + 16] = type == .q4_1 ? d * Float(high) + m : d * (Float(high) - 8)
                }
                values.append(contentsOf: block)
            case .q8_0:
                let d = half(generator.uniform(0.001, 0.05))
                for _ in 0..<32 {
                    let q = Int8(truncatingIfNeeded: generator.next())
                    bytes.append(UInt8(bitPattern: q))
                    values.append(d * Float(q))
                }
            }
        }
        let tensor = GGUFTensor(
            name: "test.\(type.name)", type: type, dimensions: [columns, rows], offset: 0,
            byteCount: bytes.count)
        return (tensor, bytes, values)
    }

    /// A random matrix (with its values decoded by the spec), `tokens` random input rows, and
    /// the generator that drew them, for drawing more.
    static func randomProblem(
        _ type: GGMLType, rows: Int, columns: Int, tokens: Int, seed: UInt64
    ) throws -> (matrix: QuantizedMatrix, values: [Float], input: [Float], generator: SplitMix64) {
        let (tensor, bytes, values) = randomTensor(type, rows: rows, columns: columns, seed: seed)
        let matrix = try bytes.withUnsafeBytes { try QuantizedMatrix(tensor: tensor, data: $0) }
        var generator = SplitMix64(seed: seed + 1)
        let input = (0..<(tokens * columns)).map { _ in generator.uniform(-1, 1) }
        return (matrix, values, input, generator)
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0, .f16, .f32])
    func dequantisationFollowsTheBlockLayout(type: GGMLType) throws {
        let (tensor, bytes, values) = Self.randomTensor(type, rows: 5, columns: 64, seed: 1)
        let matrix = try bytes.withUnsafeBytes { try QuantizedMatrix(tensor: tensor, data: $0) }
        let decoded = matrix.dequantized()
        #expect(decoded.count == values.count)
        for (got, want) in zip(decoded, values) {
            #expect(abs(got - want) <= 1e-6 * max(1, abs(want)))
        }
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0, .f16], [1, 3, 4, 7, 9, 64])
    func multiplyMatchesANaiveLoop(type: GGMLType, tokens: Int) throws {
        let rows = 44, columns = 96
        var (matrix, values, input, generator) = try Self.randomProblem(type, rows: rows, columns: columns, tokens: tokens, seed: 2)
        let initial = (0..<(tokens * rows)).map { _ in generator.uniform(-1, 1) }
        let pool = ThreadPool(threadCount: 2)
        for accumulate in [false, true] {
            var output = initial
            var scratch = [Float](repeating: 0, count: rows * columns)
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { out in
                    scratch.withUnsafeMutableBufferPointer { s in
                        // A threshold of 8 sends the 9- and 64-token cases through SGEMM.
                        matrix.multiply(
                            x.baseAddress!, tokenCount: tokens, inputStride: columns,
                            into: out.baseAddress!, outputStride: rows, accumulate: accumulate,
                            pool: pool, sgemmThreshold: 8, scratch: s.baseAddress!)
                    }
                }
            }
            for t in 0..<tokens {
                for r in 0..<rows {
                    var expected: Double = accumulate ? Double(initial[t * rows + r]) : 0
                    for k in 0..<columns {
                        expected += Double(input[t * columns + k]) * Double(values[r * columns + k])
                    }
                    #expect(abs(Double(output[t * rows + r]) - expected) < 1e-4, "t=\(t) r=\(r)")
                }
            }
        }
    }

    /// A token's outputs must not depend on what else is in the batch: alone (the one-token
    /// kernel), in a group of four, among several groups, or in the remainder after them, every
    /// (row, token) dot product is the same float, bit for bit.
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0, .f16], [5, 8, 13, 16])
    func batchedTokensMatchEachTokenAloneBitForBit(type: GGMLType, tokens: Int) throws {
        let rows = 37, columns = 96
        let (matrix, _, input, _) = try Self.randomProblem(type, rows: rows, columns: columns, tokens: tokens, seed: 11)
        let pool = ThreadPool(threadCount: 2)
        var batched = [Float](repeating: 0, count: tokens * rows)
        matrix.multiply(
            input, tokenCount: tokens, inputStride: columns, into: &batched, outputStride: rows,
            accumulate: false, pool: pool)
        for t in 0..<tokens {
            var alone = [Float](repeating: 0, count: rows)
            input.withUnsafeBufferPointer { x in
                matrix.multiply(
                    x.baseAddress! + t * columns, tokenCount: 1, inputStride: columns, into: &alone,
                    outputStride: rows, accumulate: false, pool: pool)
            }
            for r in 0..<rows {
                #expect(batched[t * rows + r].bitPattern == alone[r].bitPattern, "t=\(t) r=\(r)")
            }
        }
    }

    /// The SGEMM path splits the rows into 64-row slices over the pool's threads: every slice,
    /// the short last one included, must land in its own output columns.
    @Test(arguments: [1, 3])
    func sgemmSlicesCoverEveryRow(threads: Int) throws {
        let rows = 200, columns = 64, tokens = 50
        let (matrix, values, input, _) = try Self.randomProblem(.q8_0, rows: rows, columns: columns, tokens: tokens, seed: 9)
        // Output rows wider than the matrix: the extra column must stay untouched.
        let stride = rows + 1
        var output = [Float](repeating: 7, count: tokens * stride)
        var scratch = [Float](repeating: 0, count: rows * columns)
        let pool = ThreadPool(threadCount: threads)
        matrix.multiply(
            input, tokenCount: tokens, inputStride: columns, into: &output, outputStride: stride,
            accumulate: false, pool: pool, sgemmThreshold: 1, scratch: &scratch)
        for t in 0..<tokens {
            for r in 0..<rows {
                var expected = 0.0
                for k in 0..<columns { expected += Double(input[t * columns + k]) * Double(values[r * columns + k]) }
                #expect(abs(Double(output[t * stride + r]) - expected) < 1e-4, "t=\(t) r=\(r)")
            }
            #expect(output[t * stride + rows] == 7)
        }
    }

    @Test func stackingKeepsRowsInOrder() throws {
        let a = Self.randomTensor(.q4_1, rows: 3, columns: 32, seed: 4)
        let b = Self.randomTensor(.q4_1, rows: 2, columns: 32, seed: 5)
        let first = try a.bytes.withUnsafeBytes { try QuantizedMatrix(tensor: a.tensor, data: $0) }
        let second = try b.bytes.withUnsafeBytes { try QuantizedMatrix(tensor: b.tensor, data: $0) }
        let stacked = try QuantizedMatrix(stacking: [first, second], name: "ab")
        #expect(stacked.rows == 5)
        #expect(stacked.dequantized() == first.dequantized() + second.dequantized())
        let bytes = Self.randomTensor(.q8_0, rows: 1, columns: 32, seed: 6)
        let other = try bytes.bytes.withUnsafeBytes { try QuantizedMatrix(tensor: bytes.tensor, data: $0) }
        #expect(throws: CPUError.self) { try QuantizedMatrix(stacking: [first, other], name: "mixed") }
    }

    @Test func truncatedTensorDataIsAnError() throws {
        let (tensor, bytes, _) = Self.randomTensor(.q4_1, rows: 4, columns: 64, seed: 7)
        #expect(throws: CPUError.self) {
            try bytes.dropLast(3).withUnsafeBytes { try QuantizedMatrix(tensor: tensor, data: $0) }
        }
    }
}

extension SplitMix64 {
    /// A uniform float in [low, high) with 24 random bits: reproducible kernel test data.
    mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * Float(next() >> 40) / Float(1 << 24)
    }
}
