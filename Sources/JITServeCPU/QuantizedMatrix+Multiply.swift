import CByteDot
import COpenBLAS

extension QuantizedMatrix {
    /// `output[t][n] (+)= Σ_k input[t][k] · self[n][k]` for `t < tokenCount`, `n < rows`.
    ///
    /// Small batches (decode) use the SIMD kernels, which dequantise each 32-element block in
    /// registers and reuse it for up to four tokens: the weights stream from memory once per
    /// call, in their compact form. Large batches (prefill) dequantise the matrix into `scratch`
    /// and call OpenBLAS SGEMM, whose packed micro-kernels win once the arithmetic dominates.
    ///
    /// - Parameters:
    ///   - input: `tokenCount` rows of `columns` floats, `inputStride` apart.
    ///   - output: `tokenCount` rows of `rows` floats, `outputStride` apart.
    ///   - accumulate: add to `output` instead of overwriting it (residual connections).
    ///   - sgemmThreshold: token count from which the SGEMM path is taken (`Int.max`: never;
    ///     interleaved rows never take it).
    ///   - scratch: at least `rows × columns` floats when the SGEMM path may be taken.
    ///   - quantizedInput: where to round the input to Q8 for the byte-dot kernels
    ///     (`ActivationDataType.q8`); nil: fp32 kernels. SGEMM batches and fp32 weights stay fp32.
    ///   - interleavedKernel: the instructions for interleaved rows (tests pick each one).
    public func multiply(
        _ input: UnsafePointer<Float>, tokenCount: Int, inputStride: Int,
        into output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool,
        pool: ThreadPool, sgemmThreshold: Int = Int.max, scratch: UnsafeMutablePointer<Float>? = nil,
        quantizedInput: QuantizedActivations? = nil, interleavedKernel: InterleavedKernel = .preferred
    ) {
        if tokenCount == 0 { return }
        // Interleaved rows stay on their kernel at any batch: 512-token prefills ran 1.5× faster
        // on the VNNI one than through SGEMM (README, "Interleaved rows").
        if tokenCount >= sgemmThreshold, let scratch, rowLayout == .sequential {
            // Slices of output rows, each dequantised and multiplied by one thread with
            // single-threaded SGEMM. OpenBLAS's own threads split every call into fixed shares
            // and wait for all of them, so one share whose thread is off its core (the server's
            // threads, another process) stalls the call; slices claimed from the pool's counter
            // go to whichever thread is running. The dequantised rows are still in cache when
            // their slice is multiplied.
            let columns = self.columns
            pool.parallelFor(rows, granularity: 64) { range in
                for row in range { self.dequantizeRow(row, into: scratch + row * columns) }
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(tokenCount), Int32(range.count),
                    Int32(columns), 1, input, Int32(inputStride), scratch + range.lowerBound * columns,
                    Int32(columns), accumulate ? 1 : 0, output + range.lowerBound, Int32(outputStride))
            }
            return
        }
        let matrix = self
        let outputAddress = UInt(bitPattern: output)
        if let quantizedInput, encoding != .float32 {
            quantizedInput.quantize(input, tokenCount: tokenCount, inputStride: inputStride, columns: columns, pool: pool)
            let interleaved = rowLayout == .interleaved
            precondition(!interleaved || interleavedKernel.isSupported, "this CPU has no AVX-512 VNNI")
            pool.parallelFor(rows, granularity: 8) { range in
                let output = UnsafeMutablePointer<Float>(bitPattern: outputAddress)!
                if interleaved {
                    matrix.multiplyInterleavedRows(
                        range, quantizedInput, tokenCount: tokenCount, output, outputStride, accumulate,
                        kernel: interleavedKernel)
                } else {
                    matrix.multiplyRowsByteDot(range, quantizedInput, tokenCount: tokenCount, output, outputStride, accumulate)
                }
            }
            return
        }
        precondition(rowLayout == .sequential, "interleaved rows are read with Q8 activations only")
        let inputAddress = UInt(bitPattern: input)
        pool.parallelFor(rows, granularity: 8) { range in
            let input = UnsafePointer<Float>(bitPattern: inputAddress)!
            let output = UnsafeMutablePointer<Float>(bitPattern: outputAddress)!
            switch matrix.encoding {
            case .nibbles:
                matrix.multiplyRows(
                    range, NibbleBlocks.self, input, tokenCount, inputStride, output, outputStride,
                    accumulate)
            case .bytes:
                matrix.multiplyRows(
                    range, ByteBlocks.self, input, tokenCount, inputStride, output, outputStride,
                    accumulate)
            case .float32:
                matrix.multiplyRows(
                    range, FloatBlocks.self, input, tokenCount, inputStride, output, outputStride,
                    accumulate)
            }
        }
    }

    /// Every (row, token) dot product below follows the same accumulation order — two vector
    /// accumulators fed alternately, block by block, then one horizontal sum — whichever kernel
    /// computes it, so a token's result does not depend on what else is in the batch.
    @inline(__always)
    private func multiplyRows<Decoder: BlockDecoder>(
        _ range: Range<Int>, _: Decoder.Type, _ input: UnsafePointer<Float>, _ tokenCount: Int,
        _ inputStride: Int, _ output: UnsafeMutablePointer<Float>, _ outputStride: Int,
        _ accumulate: Bool
    ) {
        let blocks = blocksPerRow
        let rowBytes = rowByteCount
        let out = KernelOutput(base: output, stride: outputStride, accumulate: accumulate)
        let groupedTokens = tokenCount / 4 * 4
        if groupedTokens > 0 {
            for row in range {
                let base = UnsafeRawPointer(values + row * rowBytes)
                let d = UnsafePointer(scales + row * blocks)
                let m = UnsafePointer(offsets + row * blocks)
                for token in stride(from: 0, to: groupedTokens, by: 4) {
                    let sums = Self.dotFourTokens(
                        Decoder.self, base, d, m, blocks, input + token * inputStride, inputStride)
                    for lane in 0..<4 { out.write(sums[lane], token: token + lane, row: row) }
                }
            }
        }
        for token in groupedTokens..<tokenCount {
            let x = input + token * inputStride
            var row = range.lowerBound
            while row + 4 <= range.upperBound {
                let sums = Self.dotFourRows(
                    Decoder.self, UnsafeRawPointer(values + row * rowBytes), rowBytes,
                    UnsafePointer(scales + row * blocks), UnsafePointer(offsets + row * blocks),
                    blocks, x)
                for lane in 0..<4 { out.write(sums[lane], token: token, row: row + lane) }
                row += 4
            }
            while row < range.upperBound {
                let sum = Self.dotFourRows(
                    Decoder.self, UnsafeRawPointer(values + row * rowBytes), 0,
                    UnsafePointer(scales + row * blocks), UnsafePointer(offsets + row * blocks),
                    blocks, x, rowCount: 1)
                out.write(sum[0], token: token, row: row)
                row += 1
            }
        }
    }

    /// Four consecutive weight rows against one token (decode): eight independent
    /// accumulators keep the FMA units busy while the weights stream through once.
    @inline(__always)
    private static func dotFourRows<Decoder: BlockDecoder>(
        _: Decoder.Type, _ rows: UnsafeRawPointer, _ rowBytes: Int, _ d: UnsafePointer<Float>,
        _ m: UnsafePointer<Float>, _ blocks: Int, _ x: UnsafePointer<Float>, rowCount: Int = 4
    ) -> SIMD4<Float> {
        var a = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var b = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        let xr = UnsafeRawPointer(x)
        @inline(__always)
        func step(_ r: Int, _ block: Int, _ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>,
                  _ x3: SIMD8<Float>, _ a: inout SIMD8<Float>, _ b: inout SIMD8<Float>) {
            let w = Decoder.decode(rows + r * rowBytes, block, d[r * blocks + block], m[r * blocks + block])
            a = a.addingProduct(w.0, x0)
            b = b.addingProduct(w.1, x1)
            a = a.addingProduct(w.2, x2)
            b = b.addingProduct(w.3, x3)
        }
        if rowCount == 4 {
            for block in 0..<blocks {
                let o = block * 128
                let x0 = xr.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                let x1 = xr.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
                let x2 = xr.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
                let x3 = xr.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
                step(0, block, x0, x1, x2, x3, &a.0, &b.0)
                step(1, block, x0, x1, x2, x3, &a.1, &b.1)
                step(2, block, x0, x1, x2, x3, &a.2, &b.2)
                step(3, block, x0, x1, x2, x3, &a.3, &b.3)
            }
            return SIMD4((a.0 + b.0).sum(), (a.1 + b.1).sum(), (a.2 + b.2).sum(), (a.3 + b.3).sum())
        }
        for block in 0..<blocks {
            let o = block * 128
            step(
                0, block, xr.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self),
                xr.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self),
                xr.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self),
                xr.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self), &a.0, &b.0)
        }
        return SIMD4((a.0 + b.0).sum(), 0, 0, 0)
    }

    /// One weight row against four tokens: each block is dequantised once and used four times.
    @inline(__always)
    private static func dotFourTokens<Decoder: BlockDecoder>(
        _: Decoder.Type, _ row: UnsafeRawPointer, _ d: UnsafePointer<Float>,
        _ m: UnsafePointer<Float>, _ blocks: Int, _ x: UnsafePointer<Float>, _ stride: Int
    ) -> SIMD4<Float> {
        var a0 = SIMD8<Float>(), b0 = SIMD8<Float>(), a1 = SIMD8<Float>(), b1 = SIMD8<Float>()
        var a2 = SIMD8<Float>(), b2 = SIMD8<Float>(), a3 = SIMD8<Float>(), b3 = SIMD8<Float>()
        let x0 = UnsafeRawPointer(x), x1 = UnsafeRawPointer(x + stride)
        let x2 = UnsafeRawPointer(x + 2 * stride), x3 = UnsafeRawPointer(x + 3 * stride)
        for block in 0..<blocks {
            let w = Decoder.decode(row, block, d[block], m[block])
            let o = block * 128
            a0 = a0.addingProduct(w.0, x0.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self))
            b0 = b0.addingProduct(w.1, x0.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self))
            a0 = a0.addingProduct(w.2, x0.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self))
            b0 = b0.addingProduct(w.3, x0.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self))
            a1 = a1.addingProduct(w.0, x1.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self))
            b1 = b1.addingProduct(w.1, x1.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self))
            a1 = a1.addingProduct(w.2, x1.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self))
            b1 = b1.addingProduct(w.3, x1.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self))
            a2 = a2.addingProduct(w.0, x2.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self))
            b2 = b2.addingProduct(w.1, x2.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self))
            a2 = a2.addingProduct(w.2, x2.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self))
            b2 = b2.addingProduct(w.3, x2.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self))
            a3 = a3.addingProduct(w.0, x3.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self))
            b3 = b3.addingProduct(w.1, x3.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self))
            a3 = a3.addingProduct(w.2, x3.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self))
            b3 = b3.addingProduct(w.3, x3.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self))
        }
        return SIMD4((a0 + b0).sum(), (a1 + b1).sum(), (a2 + b2).sum(), (a3 + b3).sum())
    }
}

/// Turns one stored 32-element block into four vectors of 8 dequantised weights.
protocol BlockDecoder {
    static func decode(_ row: UnsafeRawPointer, _ block: Int, _ d: Float, _ m: Float)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
}

/// Q4 nibbles: the low nibbles are elements 0–15, the high nibbles 16–31.
enum NibbleBlocks: BlockDecoder {
    @inline(__always)
    static func decode(_ row: UnsafeRawPointer, _ block: Int, _ d: Float, _ m: Float)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
    {
        let raw = row.loadUnaligned(fromByteOffset: block * 16, as: SIMD16<UInt8>.self)
        let low = raw & 0x0F
        let high = raw &>> 4
        let ds = SIMD8<Float>(repeating: d), ms = SIMD8<Float>(repeating: m)
        return (
            ms.addingProduct(jit_float_from_bytes(low.lowHalf), ds),
            ms.addingProduct(jit_float_from_bytes(low.highHalf), ds),
            ms.addingProduct(jit_float_from_bytes(high.lowHalf), ds),
            ms.addingProduct(jit_float_from_bytes(high.highHalf), ds)
        )
    }
}

/// Q8: one signed byte an element.
enum ByteBlocks: BlockDecoder {
    @inline(__always)
    static func decode(_ row: UnsafeRawPointer, _ block: Int, _ d: Float, _ m: Float)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
    {
        let o = block * 32
        let ds = SIMD8<Float>(repeating: d), ms = SIMD8<Float>(repeating: m)
        func part(_ offset: Int) -> SIMD8<Float> {
            let q = row.loadUnaligned(fromByteOffset: o + offset, as: SIMD8<Int8>.self)
            return ms.addingProduct(jit_float_from_signed_bytes(q), ds)
        }
        return (part(0), part(8), part(16), part(24))
    }
}

/// Plain fp32 rows (scales and offsets unused).
enum FloatBlocks: BlockDecoder {
    @inline(__always)
    static func decode(_ row: UnsafeRawPointer, _ block: Int, _ d: Float, _ m: Float)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
    {
        let o = block * 128
        return (
            row.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self),
            row.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self),
            row.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self),
            row.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
        )
    }
}
