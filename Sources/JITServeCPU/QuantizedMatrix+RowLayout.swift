import CInterleavedRows
import Foundation

extension QuantizedMatrix {
    /// How a matrix's rows lie in memory.
    public enum RowLayout: Sendable, Equatable {
        /// Each row's blocks one after another, as GGUF stores them: what every kernel reads.
        case sequential
        /// Eight rows interleaved four weights at a time (`CInterleavedRows`' header gives the
        /// byte order), so that one multiply-add of bytes advances eight rows' dot products: read
        /// only by the interleaved kernels, with Q8 activations and batches of any size, and by
        /// `dequantizeRow` (the token embedding's lookup).
        case interleaved
    }

    /// The instructions of the interleaved rows' kernel. Both give the same bits.
    public enum InterleavedKernel: Sendable, CaseIterable {
        /// VPMADDUBSW + VPMADDWD: the package's floor.
        case avx2
        /// AVX-512 VNNI's VPDPBUSD, one instruction for the two.
        case vnni

        /// Whether this machine runs it.
        public var isSupported: Bool { self == .avx2 || Self.hasVNNI }

        /// VNNI where the CPU and OS have it; `JITSERVE_INTERLEAVED_KERNEL=avx2` in the
        /// environment picks AVX2 anyway (to measure it on such a machine).
        public static let preferred: InterleavedKernel =
            hasVNNI && ProcessInfo.processInfo.environment["JITSERVE_INTERLEAVED_KERNEL"] != "avx2" ? .vnni : .avx2

        private static let hasVNNI = jit_has_vnni()
    }

    /// Whether the matrix can take `.interleaved`: quantised weights, rows a multiple of eight.
    public var canInterleaveRows: Bool { encoding != .float32 && rows % 8 == 0 }

    /// Rearranges the weights, scales and offsets in place into `layout` (nothing happens when
    /// `.interleaved` is asked of a matrix that cannot take it). Not while a multiply runs.
    public func setRowLayout(_ layout: RowLayout) {
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(1, byteCount), alignment: 64)
        defer { scratch.deallocate() }
        setRowLayout(layout, scratch: scratch)
    }

    /// `setRowLayout(_:)` with a caller's scratch of at least `byteCount` bytes: one scratch for
    /// a whole model, so that a copy per matrix does not stay in the allocator's heap.
    func setRowLayout(_ layout: RowLayout, scratch: UnsafeMutableRawPointer) {
        guard layout != rowLayout, canInterleaveRows else { return }
        let blockBytes = encoding == .nibbles ? 16 : 32
        let valueBytes = rows * rowByteCount, blockCount = rows * blocksPerRow
        // The matrix as it was: values, then scales, then offsets (`byteCount` in all).
        let valuesBefore = scratch
        let scalesBefore = (scratch + valueBytes).bindMemory(to: Float.self, capacity: 2 * blockCount)
        let offsetsBefore = scalesBefore + blockCount
        valuesBefore.copyMemory(from: values, byteCount: valueBytes)
        scalesBefore.update(from: scales, count: blockCount)
        offsetsBefore.update(from: offsets, count: blockCount)
        let source = valuesBefore.assumingMemoryBound(to: UInt8.self)
        let target = values.assumingMemoryBound(to: UInt8.self)
        let toInterleaved = layout == .interleaved
        for row in 0..<rows {
            for block in 0..<blocksPerRow {
                let sequential = row * blocksPerRow + block
                let interleaved = Self.interleavedBlockIndex(row: row, block: block, blocksPerRow: blocksPerRow)
                let (from, to) = toInterleaved ? (sequential, interleaved) : (interleaved, sequential)
                scales[to] = scalesBefore[from]
                offsets[to] = offsetsBefore[from]
                // A byte moves whole: a Q4 byte pairs elements j and j + 16 in either layout.
                for byte in 0..<blockBytes {
                    let sequentialByte = row * rowByteCount + block * blockBytes + byte
                    let interleavedByte = Self.interleavedByteOffset(
                        row: row, block: block, byte: byte, blocksPerRow: blocksPerRow, blockBytes: blockBytes)
                    let (fromByte, toByte) =
                        toInterleaved ? (sequentialByte, interleavedByte) : (interleavedByte, sequentialByte)
                    target[toByte] = source[fromByte]
                }
            }
        }
        rowLayout = layout
    }

    /// Where (row, block)'s scale and offset lie when interleaved: eight rows' side by side.
    @inline(__always)
    static func interleavedBlockIndex(row: Int, block: Int, blocksPerRow: Int) -> Int {
        ((row / 8) * blocksPerRow + block) * 8 + row % 8
    }

    /// Where byte `byte` of (row, block) lies when interleaved: each 32 bytes of a row group's
    /// block hold four consecutive bytes of each of its eight rows.
    @inline(__always)
    static func interleavedByteOffset(row: Int, block: Int, byte: Int, blocksPerRow: Int, blockBytes: Int) -> Int {
        ((row / 8) * blocksPerRow + block) * 8 * blockBytes + 32 * (byte / 4) + 4 * (row % 8) + byte % 4
    }

    /// `dequantizeRow` for interleaved rows: walks the layout's chunks rather than computing
    /// each byte's place.
    func dequantizeInterleavedRow(_ row: Int, into destination: UnsafeMutablePointer<Float>) {
        let blockBytes = encoding == .nibbles ? 16 : 32
        let bytes = values.assumingMemoryBound(to: UInt8.self)
        for block in 0..<blocksPerRow {
            let index = Self.interleavedBlockIndex(row: row, block: block, blocksPerRow: blocksPerRow)
            let d = scales[index], m = offsets[index]
            let base = bytes + Self.interleavedByteOffset(
                row: row, block: block, byte: 0, blocksPerRow: blocksPerRow, blockBytes: blockBytes)
            let out = destination + block * 32
            for chunk in 0..<(blockBytes / 4) {
                for e in 0..<4 {
                    let value = base[32 * chunk + e], byte = 4 * chunk + e
                    if encoding == .nibbles {
                        out[byte] = d * Float(value & 0x0F) + m
                        out[byte + 16] = d * Float(value >> 4) + m
                    } else {
                        out[byte] = d * Float(Int8(bitPattern: value)) + m
                    }
                }
            }
        }
    }

    /// Rows `range` (whole row groups) of the product with Q8 activations, on `kernel`.
    func multiplyInterleavedRows(
        _ range: Range<Int>, _ input: QuantizedActivations, tokenCount: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int, _ accumulate: Bool, kernel: InterleavedKernel
    ) {
        precondition(range.lowerBound % 8 == 0 && range.upperBound % 8 == 0, "interleaved rows go in groups of eight")
        let kernel = kernel == .vnni ? jit_vnni_rows : jit_avx2_rows
        kernel(
            encoding == .bytes, values.assumingMemoryBound(to: UInt8.self), scales, offsets, Int32(blocksPerRow),
            Int32(range.lowerBound / 8), Int32(range.upperBound / 8), input.values, input.scales, input.sums, input.byteSums,
            Int32(tokenCount), output, outputStride, accumulate)
    }
}
