extension QuantizedMatrix {
    /// Repacks a GGUF matrix (`dimensions = [columns, rows]`) into the kernels' layout.
    ///
    /// Q4_0 becomes nibbles with offset `-8d` (so `d·q + m` equals ggml's `d·(q - 8)` exactly);
    /// Q4_1 keeps its `d` and `m`; Q8_0 keeps its bytes; F16/F32 are widened to fp32.
    public convenience init(tensor: GGUFTensor, data: UnsafeRawBufferPointer) throws {
        guard tensor.dimensions.count == 2 || (tensor.dimensions.count > 2 && tensor.rowCount > 0)
        else {
            throw CPUError.invalidTensorShape(
                tensor: tensor.name, dimensions: tensor.dimensions, reason: "a matrix needs 2 dimensions")
        }
        let columns = tensor.dimensions[0]
        let rows = tensor.rowCount
        let encoding: Encoding =
            switch tensor.type {
            case .q4_0, .q4_1: .nibbles
            case .q8_0: .bytes
            case .f16, .f32: .float32
            }
        if columns % Self.blockLength != 0 {
            throw CPUError.invalidTensorShape(
                tensor: tensor.name, dimensions: tensor.dimensions,
                reason: "row length \(columns) is not a multiple of the 32-element block")
        }
        let needed = rows * columns / tensor.type.blockSize * tensor.type.bytesPerBlock
        guard data.count >= needed else {
            throw CPUError.invalidTensorShape(
                tensor: tensor.name, dimensions: tensor.dimensions,
                reason: "holds \(data.count) bytes, its shape needs \(needed)")
        }
        self.init(rows: rows, columns: columns, encoding: encoding)
        let source = data.baseAddress!
        switch tensor.type {
        case .f32:
            values.copyMemory(from: source, byteCount: rows * columns * 4)
        case .f16:
            let out = values.assumingMemoryBound(to: Float.self)
            for index in 0..<(rows * columns) {
                out[index] = Self.half(source, at: index * 2)
            }
        case .q4_0, .q4_1:
            let hasMin = tensor.type == .q4_1
            let stride = tensor.type.bytesPerBlock
            let quants = values.assumingMemoryBound(to: UInt8.self)
            for block in 0..<(rows * blocksPerRow) {
                let start = block * stride
                let d = Self.half(source, at: start)
                scales[block] = d
                offsets[block] = hasMin ? Self.half(source, at: start + 2) : -8 * d
                let nibbleStart = start + (hasMin ? 4 : 2)
                (quants + block * 16).initialize(
                    from: (source + nibbleStart).assumingMemoryBound(to: UInt8.self), count: 16)
            }
        case .q8_0:
            let quants = values.assumingMemoryBound(to: Int8.self)
            for block in 0..<(rows * blocksPerRow) {
                let start = block * 34
                scales[block] = Self.half(source, at: start)
                offsets[block] = 0
                (quants + block * 32).initialize(
                    from: (source + start + 2).assumingMemoryBound(to: Int8.self), count: 32)
            }
        }
    }

    /// Reads a little-endian IEEE half at an unaligned byte offset.
    @inline(__always)
    static func half(_ base: UnsafeRawPointer, at offset: Int) -> Float {
        Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }
}
