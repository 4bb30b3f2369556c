import CByteDot

extension QuantizedMatrix {
    /// Rows `range` of `output[t][n] (+)= Σ_k input[t][k] · self[n][k]` from Q8 activations
    /// (`ActivationDataType.q8`): every weight block meets a token's block in one byte dot
    /// product with an exact integer sum, scaled once by both blocks' scales.
    ///
    /// Each (row, token) result is computed in one order whichever kernel does it — one vector
    /// accumulator of scaled block sums, block by block, its horizontal sum, then the offsets'
    /// term — so a token's result does not depend on its batch.
    func multiplyRowsByteDot(
        _ range: Range<Int>, _ input: QuantizedActivations, tokenCount: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int, _ accumulate: Bool
    ) {
        switch encoding {
        case .nibbles: byteDotRows(range, NibbleBytes.self, input, tokenCount, output, outputStride, accumulate)
        case .bytes: byteDotRows(range, SignedBytes.self, input, tokenCount, output, outputStride, accumulate)
        case .float32: preconditionFailure("fp32 weights take the fp32 kernels")
        }
    }

    @inline(__always)
    private func byteDotRows<Weights: ByteBlockWeights>(
        _ range: Range<Int>, _: Weights.Type, _ input: QuantizedActivations, _ tokenCount: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int, _ accumulate: Bool
    ) {
        let blocks = blocksPerRow
        let rowBytes = rowByteCount
        let out = KernelOutput(base: output, stride: outputStride, accumulate: accumulate)
        @inline(__always)
        func activations(_ token: Int) -> ByteBlockActivations {
            ByteBlockActivations(
                values: UnsafeRawPointer(input.values + token * input.columns),
                scales: input.scales + token * blocks, sums: input.sums + token * blocks)
        }
        let groupedTokens = tokenCount / 4 * 4
        for row in range where groupedTokens > 0 {
            let weights = UnsafeRawPointer(values + row * rowBytes)
            let d = scales + row * blocks, m = offsets + row * blocks
            for token in stride(from: 0, to: groupedTokens, by: 4) {
                let sums = Self.byteDotFourTokens(
                    Weights.self, weights, d, m, blocks, activations(token), activations(token + 1),
                    activations(token + 2), activations(token + 3))
                for lane in 0..<4 { out.write(sums[lane], token: token + lane, row: row) }
            }
        }
        for token in groupedTokens..<tokenCount {
            let x = activations(token)
            var row = range.lowerBound
            while row + 2 <= range.upperBound {
                let sums = Self.byteDotTwoRows(
                    Weights.self, UnsafeRawPointer(values + row * rowBytes), rowBytes,
                    scales + row * blocks, offsets + row * blocks, blocks, x)
                out.write(sums[0], token: token, row: row)
                out.write(sums[1], token: token, row: row + 1)
                row += 2
            }
            if row < range.upperBound {
                let sums = Self.byteDotTwoRows(
                    Weights.self, UnsafeRawPointer(values + row * rowBytes), 0,
                    scales + row * blocks, offsets + row * blocks, blocks, x, rowCount: 1)
                out.write(sums[0], token: token, row: row)
            }
        }
    }

    /// One (row, token) step: the block's integer dot product, scaled by both scales, into the
    /// accumulator.
    @inline(__always)
    private static func step<Weights: ByteBlockWeights>(
        _: Weights.Type, _ w: Weights.Block, _ x: ByteBlockActivations, _ block: Int, _ d: Float,
        _ acc: inout SIMD8<Float>
    ) {
        let q = x.values.loadUnaligned(fromByteOffset: block * 32, as: SIMD32<Int8>.self)
        acc = acc.addingProduct(jit_float_from_int(Weights.dot(w, q)), SIMD8(repeating: d * x.scales[block]))
    }

    /// Σ_b m_b · s_b, s_b the rounded block's sum: the weight offsets' share, after the blocks'
    /// loop so that it costs a few vector FMAs per (row, token) rather than two scalar
    /// operations a block.
    @inline(__always)
    private static func offsetTerm(_ m: UnsafePointer<Float>, _ x: ByteBlockActivations, _ blocks: Int) -> Float {
        var acc = SIMD8<Float>()
        var block = 0
        while block + 8 <= blocks {
            acc = acc.addingProduct(
                UnsafeRawPointer(m + block).loadUnaligned(as: SIMD8<Float>.self),
                UnsafeRawPointer(x.sums + block).loadUnaligned(as: SIMD8<Float>.self))
            block += 8
        }
        var sum = acc.sum()
        while block < blocks {
            sum += m[block] * x.sums[block]
            block += 1
        }
        return sum
    }

    /// One weight row against four tokens: each block is loaded once and used four times.
    @inline(__always)
    private static func byteDotFourTokens<Weights: ByteBlockWeights>(
        _: Weights.Type, _ row: UnsafeRawPointer, _ d: UnsafePointer<Float>, _ m: UnsafePointer<Float>,
        _ blocks: Int, _ x0: ByteBlockActivations, _ x1: ByteBlockActivations, _ x2: ByteBlockActivations,
        _ x3: ByteBlockActivations
    ) -> SIMD4<Float> {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for block in 0..<blocks {
            let w = Weights.load(row, block)
            let scale = d[block]
            step(Weights.self, w, x0, block, scale, &a0)
            step(Weights.self, w, x1, block, scale, &a1)
            step(Weights.self, w, x2, block, scale, &a2)
            step(Weights.self, w, x3, block, scale, &a3)
        }
        return SIMD4(
            a0.sum() + offsetTerm(m, x0, blocks), a1.sum() + offsetTerm(m, x1, blocks),
            a2.sum() + offsetTerm(m, x2, blocks), a3.sum() + offsetTerm(m, x3, blocks))
    }

    /// Two consecutive weight rows (or one) against one token: two independent chains.
    @inline(__always)
    private static func byteDotTwoRows<Weights: ByteBlockWeights>(
        _: Weights.Type, _ rows: UnsafeRawPointer, _ rowBytes: Int, _ d: UnsafePointer<Float>,
        _ m: UnsafePointer<Float>, _ blocks: Int, _ x: ByteBlockActivations, rowCount: Int = 2
    ) -> SIMD2<Float> {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
        if rowCount == 2 {
            for block in 0..<blocks {
                step(Weights.self, Weights.load(rows, block), x, block, d[block], &a0)
                step(Weights.self, Weights.load(rows + rowBytes, block), x, block, d[blocks + block], &a1)
            }
            return SIMD2(a0.sum() + offsetTerm(m, x, blocks), a1.sum() + offsetTerm(m + blocks, x, blocks))
        }
        for block in 0..<blocks {
            step(Weights.self, Weights.load(rows, block), x, block, d[block], &a0)
        }
        return SIMD2(a0.sum() + offsetTerm(m, x, blocks), 0)
    }
}

/// One token's Q8 activations, as the byte-dot kernels read them.
struct ByteBlockActivations {
    var values: UnsafeRawPointer
    var scales: UnsafePointer<Float>
    var sums: UnsafePointer<Float>
}

/// A weight encoding's 32-element block as the byte dot product takes it.
protocol ByteBlockWeights {
    associatedtype Block
    static func load(_ row: UnsafeRawPointer, _ block: Int) -> Block
    /// Σ w·x over the block, in eight partial sums.
    static func dot(_ w: Block, _ x: SIMD32<Int8>) -> SIMD8<Int32>
}

/// Q4 nibbles (0…15): already the unsigned operand the byte dot product wants.
enum NibbleBytes: ByteBlockWeights {
    @inline(__always)
    static func load(_ row: UnsafeRawPointer, _ block: Int) -> SIMD32<UInt8> {
        let raw = row.loadUnaligned(fromByteOffset: block * 16, as: SIMD16<UInt8>.self)
        return SIMD32(lowHalf: raw & 0x0F, highHalf: raw &>> 4)
    }

    @inline(__always)
    static func dot(_ w: SIMD32<UInt8>, _ x: SIMD32<Int8>) -> SIMD8<Int32> { jit_byte_dot(w, x) }
}

/// Q8 signed bytes: |w| against x carrying w's sign, so that the unsigned operand is |w|.
enum SignedBytes: ByteBlockWeights {
    @inline(__always)
    static func load(_ row: UnsafeRawPointer, _ block: Int) -> (magnitudes: SIMD32<UInt8>, signs: SIMD32<Int8>) {
        let w = row.loadUnaligned(fromByteOffset: block * 32, as: SIMD32<Int8>.self)
        return (jit_abs_bytes(w), w)
    }

    @inline(__always)
    static func dot(_ w: (magnitudes: SIMD32<UInt8>, signs: SIMD32<Int8>), _ x: SIMD32<Int8>) -> SIMD8<Int32> {
        jit_byte_dot(w.magnitudes, jit_sign_bytes(x, w.signs))
    }
}
