import JITServeCPU
import JITServeCore
import Testing

/// Interleaved rows (`QuantizedMatrix.RowLayout`): the weights move and come back unchanged, and
/// batches of any size, accumulating or not, stay on the VNNI kernel.
struct QuantizedMatrixRowLayoutTests {
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func interleavingKeepsEveryWeightAndComesBack(type: GGMLType) throws {
        let (matrix, _, _, _) = try QuantizedMatrixTests.randomProblem(type, rows: 24, columns: 96, tokens: 1, seed: 31)
        let before = matrix.dequantized().map(\.bitPattern)
        matrix.setRowLayout(.interleaved)
        #expect(matrix.rowLayout == .interleaved)
        #expect(matrix.dequantized().map(\.bitPattern) == before)
        matrix.setRowLayout(.sequential)
        #expect(matrix.rowLayout == .sequential)
        #expect(matrix.dequantized().map(\.bitPattern) == before)
    }

    /// Rows that do not fill groups of eight, and fp32 weights, keep the sequential kernels.
    @Test(arguments: [(GGMLType.q4_1, 45), (.f16, 48)])
    func aMatrixThatCannotInterleaveStaysSequential(type: GGMLType, rows: Int) throws {
        let (matrix, _, _, _) = try QuantizedMatrixTests.randomProblem(type, rows: rows, columns: 64, tokens: 1, seed: 32)
        matrix.setRowLayout(.interleaved)
        #expect(matrix.rowLayout == .sequential)
        #expect(!matrix.canInterleaveRows)
    }

    /// Interleaved rows stay on the byte kernel past the SGEMM threshold (it is faster there):
    /// the same bits as below the threshold, where SGEMM's fp32 activations would differ. A
    /// decode batch with `accumulate` adds exactly what it would write.
    @Test(arguments: [GGMLType.q4_1, .q8_0])
    func interleavedRowsSkipSGEMMAndAccumulate(type: GGMLType) throws {
        let rows = 48, columns = 96, tokens = 64
        let (matrix, _, input, _) = try QuantizedMatrixTests.randomProblem(type, rows: rows, columns: columns, tokens: tokens, seed: 33)
        let pool = ThreadPool(threadCount: 2)
        var scratch = [Float](repeating: 0, count: rows * columns)
        func run(tokens: Int, accumulateOnto initial: [Float]? = nil, sgemm: Bool) -> [UInt32] {
            var output = initial ?? [Float](repeating: 0, count: tokens * rows)
            scratch.withUnsafeMutableBufferPointer { scratch in
                matrix.multiply(
                    input, tokenCount: tokens, inputStride: columns, into: &output, outputStride: rows,
                    accumulate: initial != nil, pool: pool, sgemmThreshold: sgemm ? tokens : Int.max,
                    scratch: scratch.baseAddress, quantizedInput: QuantizedActivations())
            }
            return output.map(\.bitPattern)
        }
        let throughSGEMM = run(tokens: tokens, sgemm: true)
        matrix.setRowLayout(.interleaved)
        let pastThreshold = run(tokens: tokens, sgemm: true)
        #expect(pastThreshold == run(tokens: tokens, sgemm: false))
        #expect(pastThreshold != throughSGEMM)

        // A decode batch, and one wide enough for VNNI's sixteen-row pairs.
        for batch in [5, 40] {
            let initial = (0..<(batch * rows)).map { Float($0 % 7) - 3 }
            let written = run(tokens: batch, sgemm: false).map(Float.init(bitPattern:))
            let added = run(tokens: batch, accumulateOnto: initial, sgemm: false)
            #expect(added == zip(initial, written).map { ($0 + $1).bitPattern })
        }
    }

    /// VNNI's VPDPBUSD and AVX2's two instructions sum the same integers, and the float steps
    /// are the same: the two interleaved kernels agree bit for bit. 37 tokens take VNNI's
    /// sixteen-row pairs for Q4: 152 rows are nineteen groups, which the pool hands out two at a
    /// time, the last one alone.
    @Test(.enabled(if: QuantizedMatrix.InterleavedKernel.vnni.isSupported),
          arguments: [GGMLType.q4_1, .q8_0], [7, 37])
    func vnniAndAVX2AgreeBitForBit(type: GGMLType, tokens: Int) throws {
        let rows = 152, columns = 576
        let (matrix, _, input, _) = try QuantizedMatrixTests.randomProblem(type, rows: rows, columns: columns, tokens: tokens, seed: 34)
        matrix.setRowLayout(.interleaved)
        let pool = ThreadPool(threadCount: 2)
        func run(_ kernel: QuantizedMatrix.InterleavedKernel) -> [UInt32] {
            var output = [Float](repeating: 0, count: tokens * rows)
            matrix.multiply(
                input, tokenCount: tokens, inputStride: columns, into: &output, outputStride: rows, accumulate: false,
                pool: pool, quantizedInput: QuantizedActivations(), interleavedKernel: kernel)
            return output.map(\.bitPattern)
        }
        #expect(run(.vnni) == run(.avx2))
    }
}
