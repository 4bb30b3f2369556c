/// The element-wise and reduction kernels of a Llama forward pass, in explicit SIMD (Swift does
/// not auto-vectorise `Float` reductions). Lengths must be multiples of 8 unless stated.
public enum Kernels {
    /// `output = input / sqrt(mean(input²) + epsilon) · weight` over `count` elements.
    public static func rmsNorm(
        _ input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        into output: UnsafeMutablePointer<Float>, count: Int, epsilon: Float
    ) {
        let x = UnsafeRawPointer(input)
        var sum = SIMD8<Float>()
        for i in stride(from: 0, to: count, by: 8) {
            let v = x.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            sum = sum.addingProduct(v, v)
        }
        let scale = 1 / (sum.sum() / Float(count) + epsilon).squareRoot()
        let w = UnsafeRawPointer(weight)
        let out = UnsafeMutableRawPointer(output)
        for i in stride(from: 0, to: count, by: 8) {
            let v = x.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let g = w.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            out.storeBytes(of: v * scale * g, toByteOffset: i * 4, as: SIMD8<Float>.self)
        }
    }

    /// Rotates adjacent pairs `(x[2i], x[2i+1])` of each of `headCount` heads by the angles of
    /// one position (ggml's "normal" RoPE layout, which GGUF Llama weights are permuted for).
    /// `table` holds `cos, sin` interleaved for the `headDimension / 2` pair frequencies.
    public static func rope(
        _ vector: UnsafeMutablePointer<Float>, headCount: Int, headDimension: Int,
        table: UnsafePointer<Float>
    ) {
        for head in 0..<headCount {
            let x = vector + head * headDimension
            for pair in 0..<(headDimension / 2) {
                let cosine = table[2 * pair], sine = table[2 * pair + 1]
                let a = x[2 * pair], b = x[2 * pair + 1]
                x[2 * pair] = a * cosine - b * sine
                x[2 * pair + 1] = a * sine + b * cosine
            }
        }
    }

    /// `gate[i] = silu(gate[i]) · up[i]` (SwiGLU), in place over `count` elements.
    public static func swiGLU(_ gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        let g = UnsafeMutableRawPointer(gate)
        let u = UnsafeRawPointer(up)
        for i in stride(from: 0, to: count, by: 8) {
            let v = g.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let w = u.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let silu = v / (1 + exp(-v))
            g.storeBytes(of: silu * w, toByteOffset: i * 4, as: SIMD8<Float>.self)
        }
    }

    /// Softmax in place over `count` elements (any count); returns nothing, normalises to sum 1.
    public static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
        if count == 0 { return }
        let raw = UnsafeMutableRawPointer(values)
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= count {
            // `replacing(where:)` compiles to one VMAXPS; the generic `pointwiseMax` is a call
            // per vector that walks the lanes.
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            lanes.replace(with: v, where: v .> lanes)
            i += 8
        }
        var maximum = lanes.max()
        while i < count {
            maximum = max(maximum, values[i])
            i += 1
        }
        let inverse = 1 / exponentiate(values, count: count, subtracting: maximum)
        i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: v * inverse, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            values[i] *= inverse
            i += 1
        }
    }

    /// `values[i] = exp(values[i] - shift)` for any count; returns the sum of the results.
    @inline(__always)
    public static func exponentiate(
        _ values: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float
    ) -> Float {
        let raw = UnsafeMutableRawPointer(values)
        var sum = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let v = exp(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - shift)
            raw.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            sum += v
            i += 8
        }
        var total = sum.sum()
        while i < count {
            var tail = SIMD8<Float>(repeating: values[i] - shift)
            tail = exp(tail)
            values[i] = tail[0]
            total += tail[0]
            i += 1
        }
        return total
    }

    /// `e^x` for eight lanes: range reduction by powers of two and Cephes' degree-6 polynomial
    /// (relative error ≈ 2e-7), because a scalar `exp` per attention score or gate costs more
    /// than the whole matrix work of a decode step.
    @inline(__always)
    public static func exp(_ input: SIMD8<Float>) -> SIMD8<Float> {
        // Clamped by masks, which compile to a compare and a blend (`clamped` is a call).
        let low = SIMD8<Float>(repeating: -87.3), high = SIMD8<Float>(repeating: 88.3)
        let x = input.replacing(with: low, where: input .< low).replacing(with: high, where: input .> high)
        let n = (x * 1.442_695_04).rounded(.toNearestOrEven)
        var r = x.addingProduct(n, SIMD8(repeating: -0.693_359_375))
        r = r.addingProduct(n, SIMD8(repeating: 2.121_944_4e-4))
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let y = (p * r * r + r) + 1
        // 2^n through the exponent bits: adding 1.5·2^23 leaves n in the low mantissa bits.
        let shifted = n + 12_582_912
        let bits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD8<Float>.self)
        return y * scale
    }
}
