/// The inner loops of attention over one block of the paged KV cache, in explicit SIMD.
///
/// Keys come transposed, `[dimension][slot]`, so a block's scores are built sixteen slots at a
/// time by broadcasting one query element against one row of keys: no horizontal sum per
/// position, and every accumulator is an independent chain. Two query heads of a GQA group
/// share each key load. Values come `[slot][dimension]` and are summed with the weights
/// broadcast, eight dimensions a vector, three query heads sharing each value load. Keys and
/// values are read in the cache's own element type (`KVElement`) and widened in registers:
/// widening a block into a scratch buffer first wrote and read every element once more, half of
/// attention's time with an fp16 cache.
enum AttentionKernels {
    /// `scores0[j] = q0 · K[:, j]` and `scores1[j] = q1 · K[:, j]` for the first `lanes` slots
    /// (`lanes` a multiple of 16, at most `slotStride`) of a block whose keys are `dimension`
    /// rows of `slotStride` floats.
    @inline(__always)
    static func scorePair<Element: KVElement>(
        _ q0: UnsafePointer<Float>, _ q1: UnsafePointer<Float>, keys: UnsafeRawPointer, of _: Element.Type,
        slotStride: Int, dimension: Int, lanes: Int,
        into scores0: UnsafeMutablePointer<Float>, _ scores1: UnsafeMutablePointer<Float>
    ) {
        var lane = 0
        while lane < lanes {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
            var d = 0
            while d < dimension {
                let even = d * slotStride + lane, odd = even + slotStride
                let k0 = Element.load8(keys, at: even), k1 = Element.load8(keys, at: even + 8)
                let k2 = Element.load8(keys, at: odd), k3 = Element.load8(keys, at: odd + 8)
                let x0 = SIMD8<Float>(repeating: q0[d]), x1 = SIMD8<Float>(repeating: q0[d + 1])
                let y0 = SIMD8<Float>(repeating: q1[d]), y1 = SIMD8<Float>(repeating: q1[d + 1])
                a0 = a0.addingProduct(x0, k0)
                a1 = a1.addingProduct(x0, k1)
                a2 = a2.addingProduct(x1, k2)
                a3 = a3.addingProduct(x1, k3)
                b0 = b0.addingProduct(y0, k0)
                b1 = b1.addingProduct(y0, k1)
                b2 = b2.addingProduct(y1, k2)
                b3 = b3.addingProduct(y1, k3)
                d += 2
            }
            let out0 = UnsafeMutableRawPointer(scores0 + lane), out1 = UnsafeMutableRawPointer(scores1 + lane)
            out0.storeBytes(of: a0 + a2, as: SIMD8<Float>.self)
            out0.storeBytes(of: a1 + a3, toByteOffset: 32, as: SIMD8<Float>.self)
            out1.storeBytes(of: b0 + b2, as: SIMD8<Float>.self)
            out1.storeBytes(of: b1 + b3, toByteOffset: 32, as: SIMD8<Float>.self)
            lane += 16
        }
    }

    /// The same for one query head (the odd one of a group).
    @inline(__always)
    static func score<Element: KVElement>(
        _ q: UnsafePointer<Float>, keys: UnsafeRawPointer, of _: Element.Type, slotStride: Int, dimension: Int,
        lanes: Int, into scores: UnsafeMutablePointer<Float>
    ) {
        var lane = 0
        while lane < lanes {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var d = 0
            while d < dimension {
                let even = d * slotStride + lane, odd = even + slotStride
                let x0 = SIMD8<Float>(repeating: q[d]), x1 = SIMD8<Float>(repeating: q[d + 1])
                a0 = a0.addingProduct(x0, Element.load8(keys, at: even))
                a1 = a1.addingProduct(x0, Element.load8(keys, at: even + 8))
                a2 = a2.addingProduct(x1, Element.load8(keys, at: odd))
                a3 = a3.addingProduct(x1, Element.load8(keys, at: odd + 8))
                d += 2
            }
            let out = UnsafeMutableRawPointer(scores + lane)
            out.storeBytes(of: a0 + a2, as: SIMD8<Float>.self)
            out.storeBytes(of: a1 + a3, toByteOffset: 32, as: SIMD8<Float>.self)
            lane += 16
        }
    }

    /// `output[0..<dimension] += Σ_j weights[j] · values[j]` over `count` value rows of
    /// `dimension` floats. Sixty-four dimensions at a time stay in eight registers.
    @inline(__always)
    static func accumulate<Element: KVElement>(
        _ weights: UnsafePointer<Float>, count: Int, values: UnsafeRawPointer, of _: Element.Type, dimension: Int,
        into output: UnsafeMutablePointer<Float>
    ) {
        let out = UnsafeMutableRawPointer(output)
        var d = 0
        while d + 64 <= dimension {
            var s0 = out.loadUnaligned(fromByteOffset: d * 4, as: SIMD8<Float>.self)
            var s1 = out.loadUnaligned(fromByteOffset: d * 4 + 32, as: SIMD8<Float>.self)
            var s2 = out.loadUnaligned(fromByteOffset: d * 4 + 64, as: SIMD8<Float>.self)
            var s3 = out.loadUnaligned(fromByteOffset: d * 4 + 96, as: SIMD8<Float>.self)
            var s4 = out.loadUnaligned(fromByteOffset: d * 4 + 128, as: SIMD8<Float>.self)
            var s5 = out.loadUnaligned(fromByteOffset: d * 4 + 160, as: SIMD8<Float>.self)
            var s6 = out.loadUnaligned(fromByteOffset: d * 4 + 192, as: SIMD8<Float>.self)
            var s7 = out.loadUnaligned(fromByteOffset: d * 4 + 224, as: SIMD8<Float>.self)
            for j in 0..<count {
                let v = j * dimension + d
                let w = SIMD8<Float>(repeating: weights[j])
                s0 = s0.addingProduct(w, Element.load8(values, at: v))
                s1 = s1.addingProduct(w, Element.load8(values, at: v + 8))
                s2 = s2.addingProduct(w, Element.load8(values, at: v + 16))
                s3 = s3.addingProduct(w, Element.load8(values, at: v + 24))
                s4 = s4.addingProduct(w, Element.load8(values, at: v + 32))
                s5 = s5.addingProduct(w, Element.load8(values, at: v + 40))
                s6 = s6.addingProduct(w, Element.load8(values, at: v + 48))
                s7 = s7.addingProduct(w, Element.load8(values, at: v + 56))
            }
            out.storeBytes(of: s0, toByteOffset: d * 4, as: SIMD8<Float>.self)
            out.storeBytes(of: s1, toByteOffset: d * 4 + 32, as: SIMD8<Float>.self)
            out.storeBytes(of: s2, toByteOffset: d * 4 + 64, as: SIMD8<Float>.self)
            out.storeBytes(of: s3, toByteOffset: d * 4 + 96, as: SIMD8<Float>.self)
            out.storeBytes(of: s4, toByteOffset: d * 4 + 128, as: SIMD8<Float>.self)
            out.storeBytes(of: s5, toByteOffset: d * 4 + 160, as: SIMD8<Float>.self)
            out.storeBytes(of: s6, toByteOffset: d * 4 + 192, as: SIMD8<Float>.self)
            out.storeBytes(of: s7, toByteOffset: d * 4 + 224, as: SIMD8<Float>.self)
            d += 64
        }
        while d < dimension {
            var s = out.loadUnaligned(fromByteOffset: d * 4, as: SIMD8<Float>.self)
            for j in 0..<count {
                s = s.addingProduct(SIMD8<Float>(repeating: weights[j]), Element.load8(values, at: j * dimension + d))
            }
            out.storeBytes(of: s, toByteOffset: d * 4, as: SIMD8<Float>.self)
            d += 8
        }
    }

    /// `accumulate` for three query heads of a GQA group at once: head `h` adds
    /// `Σ_j weights[h · weightStride + j] · values[j]` onto `output[h · dimension ..< (h + 1) · dimension]`.
    /// Each value vector is loaded — with an fp16 cache, widened — once for the three heads,
    /// where a head at a time widened every value three times: widening, not the multiply-adds,
    /// bounded the weighted sum. Sixteen dimensions a pass keep the three heads' sums in six
    /// registers; per head and dimension the products are added in `accumulate`'s order, so the
    /// result is the same to the bit.
    @inline(__always)
    static func accumulateThree<Element: KVElement>(
        _ weights: UnsafePointer<Float>, weightStride: Int, count: Int, values: UnsafeRawPointer, of _: Element.Type,
        dimension: Int, into output: UnsafeMutablePointer<Float>
    ) {
        let w0 = weights, w1 = weights + weightStride, w2 = weights + 2 * weightStride
        let o0 = UnsafeMutableRawPointer(output), o1 = UnsafeMutableRawPointer(output + dimension)
        let o2 = UnsafeMutableRawPointer(output + 2 * dimension)
        var d = 0
        while d < dimension {
            // Sixteen dimensions, or the last eight.
            let wide = d + 16 <= dimension
            let at = d * 4, next = wide ? at + 32 : at
            var a0 = o0.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self)
            var a1 = o0.loadUnaligned(fromByteOffset: next, as: SIMD8<Float>.self)
            var b0 = o1.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self)
            var b1 = o1.loadUnaligned(fromByteOffset: next, as: SIMD8<Float>.self)
            var c0 = o2.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self)
            var c1 = o2.loadUnaligned(fromByteOffset: next, as: SIMD8<Float>.self)
            for j in 0..<count {
                let v = j * dimension + d
                let v0 = Element.load8(values, at: v), v1 = wide ? Element.load8(values, at: v + 8) : v0
                let x = SIMD8<Float>(repeating: w0[j]), y = SIMD8<Float>(repeating: w1[j])
                let z = SIMD8<Float>(repeating: w2[j])
                a0 = a0.addingProduct(x, v0)
                a1 = a1.addingProduct(x, v1)
                b0 = b0.addingProduct(y, v0)
                b1 = b1.addingProduct(y, v1)
                c0 = c0.addingProduct(z, v0)
                c1 = c1.addingProduct(z, v1)
            }
            // With eight dimensions left, the second half repeated the first: store it first so
            // that the first half's store is the one that stays.
            o0.storeBytes(of: a1, toByteOffset: next, as: SIMD8<Float>.self)
            o0.storeBytes(of: a0, toByteOffset: at, as: SIMD8<Float>.self)
            o1.storeBytes(of: b1, toByteOffset: next, as: SIMD8<Float>.self)
            o1.storeBytes(of: b0, toByteOffset: at, as: SIMD8<Float>.self)
            o2.storeBytes(of: c1, toByteOffset: next, as: SIMD8<Float>.self)
            o2.storeBytes(of: c0, toByteOffset: at, as: SIMD8<Float>.self)
            d += wide ? 16 : 8
        }
    }
}
