/// A weight matrix of `rows × columns` (row-major, `columns` innermost, as ggml stores it),
/// kept in a block-quantised form the SIMD kernels read directly.
///
/// Every 32 consecutive elements of a row form a block with one scale `d` and one offset `m`;
/// element value = `d · q + m`. Q4_0/Q4_1 keep their packed nibbles (16 bytes a block: element j
/// is the low nibble of byte j, element j+16 the high nibble), so a decode step streams as few
/// bytes as the GGUF file holds; Q8_0 keeps one signed byte an element; F16/F32 become fp32.
/// Scales and offsets are widened to `Float` once at load so the hot loop never converts them.
public final class QuantizedMatrix: @unchecked Sendable {
    /// How the quantised values of a block are stored.
    public enum Encoding: Sendable, Equatable {
        /// 16 bytes of unsigned nibbles per block (from Q4_0 or Q4_1).
        case nibbles
        /// 32 signed bytes per block (from Q8_0).
        case bytes
        /// Plain fp32 values (from F32 or F16); scales and offsets unused.
        case float32
    }

    public static let blockLength = 32

    public let rows: Int
    public let columns: Int
    public let encoding: Encoding
    /// Quantised values (or fp32 values for `.float32`).
    let values: UnsafeMutableRawPointer
    /// One scale per block, `rows × columns/32`.
    let scales: UnsafeMutablePointer<Float>
    /// One offset per block, `rows × columns/32`.
    let offsets: UnsafeMutablePointer<Float>
    /// How the rows lie in `values`, `scales` and `offsets` (`setRowLayout(_:)` changes it).
    public internal(set) var rowLayout: RowLayout = .sequential

    var blocksPerRow: Int { columns / Self.blockLength }

    /// Bytes of quantised values per row.
    var rowByteCount: Int {
        switch encoding {
        case .nibbles: blocksPerRow * 16
        case .bytes: columns
        case .float32: columns * 4
        }
    }

    /// Bytes the matrix occupies in memory.
    public var byteCount: Int {
        rows * rowByteCount + 2 * rows * blocksPerRow * 4
    }

    init(rows: Int, columns: Int, encoding: Encoding) {
        precondition(columns % Self.blockLength == 0, "rows must be whole 32-element blocks")
        self.rows = rows
        self.columns = columns
        self.encoding = encoding
        // Float rows keep (unused) scales too, so the kernels index one layout for all encodings.
        let blocks = rows * (columns / Self.blockLength)
        let rowBytes: Int =
            switch encoding {
            case .nibbles: columns / 2
            case .bytes: columns
            case .float32: columns * 4
            }
        values = .allocate(byteCount: max(1, rows * rowBytes), alignment: 64)
        scales = .allocate(capacity: max(1, blocks))
        offsets = .allocate(capacity: max(1, blocks))
    }

    /// The rows of `parts`, one after another (they must share columns and encoding).
    public convenience init(stacking parts: [QuantizedMatrix], name: String) throws {
        guard let first = parts.first,
            parts.allSatisfy({ $0.columns == first.columns && $0.encoding == first.encoding })
        else {
            throw CPUError.invalidTensorShape(
                tensor: name, dimensions: parts.map(\.columns),
                reason: "stacked matrices need the same row length and quantisation")
        }
        precondition(parts.allSatisfy { $0.rowLayout == .sequential }, "stack matrices before interleaving them")
        self.init(rows: parts.reduce(0) { $0 + $1.rows }, columns: first.columns, encoding: first.encoding)
        var row = 0
        for part in parts {
            let blocks = part.rows * part.blocksPerRow
            (values + row * rowByteCount).copyMemory(from: part.values, byteCount: part.rows * rowByteCount)
            (scales + row * blocksPerRow).update(from: part.scales, count: blocks)
            (offsets + row * blocksPerRow).update(from: part.offsets, count: blocks)
            row += part.rows
        }
    }

    deinit {
        values.deallocate()
        scales.deallocate()
        offsets.deallocate()
    }

    /// Writes row `row` as fp32 into `destination[0..<columns]`.
    public func dequantizeRow(_ row: Int, into destination: UnsafeMutablePointer<Float>) {
        if rowLayout == .interleaved { return dequantizeInterleavedRow(row, into: destination) }
        let base = values + row * rowByteCount
        switch encoding {
        case .float32:
            destination.update(from: base.assumingMemoryBound(to: Float.self), count: columns)
        case .nibbles:
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            for block in 0..<blocksPerRow {
                let d = scales[row * blocksPerRow + block]
                let m = offsets[row * blocksPerRow + block]
                let out = destination + block * 32
                for j in 0..<16 {
                    let byte = bytes[block * 16 + j]
                    out[j] = d * Float(byte & 0x0F) + m
                    out[j + 16] = d * Float(byte >> 4) + m
                }
            }
        case .bytes:
            let bytes = base.assumingMemoryBound(to: Int8.self)
            for block in 0..<blocksPerRow {
                let d = scales[row * blocksPerRow + block]
                let m = offsets[row * blocksPerRow + block]
                for j in 0..<32 {
                    destination[block * 32 + j] = d * Float(bytes[block * 32 + j]) + m
                }
            }
        }
    }

    /// The whole matrix as fp32, row-major (tests and reference checks).
    public func dequantized() -> [Float] {
        var result = [Float](repeating: 0, count: rows * columns)
        result.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<rows { dequantizeRow(row, into: buffer.baseAddress! + row * columns) }
        }
        return result
    }
}
