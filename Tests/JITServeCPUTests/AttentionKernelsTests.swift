@testable import JITServeCPU
import JITServeCore
import Testing

@Suite("Attention kernels")
struct AttentionKernelsTests {
    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in generator.uniform(-1, 1) }
    }

    /// Keys of a block laid out `[dimension][slot]`, in fp32 or fp16 as the cache keeps them:
    /// scores must equal plain dot products with the keys as stored (fp16 widened exactly).
    @Test(arguments: [16, 32, 64], [false, true])
    func scoresAreDotProductsWithTransposedKeys(slotStride: Int, half: Bool) {
        let dimension = 64
        let stored = Self.random(dimension * slotStride, seed: 1)
        let halves = stored.map { Float16($0) }
        let keys = half ? halves.map { Float($0) } : stored
        let q0 = Self.random(dimension, seed: 2), q1 = Self.random(dimension, seed: 3)
        var pair0 = [Float](repeating: .nan, count: slotStride), pair1 = pair0, single = pair0
        func run<Element: KVElement>(_ raw: UnsafeRawBufferPointer, _ element: Element.Type) {
            AttentionKernels.scorePair(
                q0, q1, keys: raw.baseAddress!, of: element, slotStride: slotStride, dimension: dimension,
                lanes: slotStride, into: &pair0, &pair1)
            AttentionKernels.score(
                q1, keys: raw.baseAddress!, of: element, slotStride: slotStride, dimension: dimension,
                lanes: slotStride, into: &single)
        }
        if half { halves.withUnsafeBytes { run($0, Float16.self) } } else { stored.withUnsafeBytes { run($0, Float.self) } }
        for slot in 0..<slotStride {
            var want0 = 0.0, want1 = 0.0
            for d in 0..<dimension {
                want0 += Double(q0[d]) * Double(keys[d * slotStride + slot])
                want1 += Double(q1[d]) * Double(keys[d * slotStride + slot])
            }
            #expect(abs(Double(pair0[slot]) - want0) < 1e-4, "slot \(slot)")
            #expect(abs(Double(pair1[slot]) - want1) < 1e-4, "slot \(slot)")
            #expect(abs(Double(single[slot]) - want1) < 1e-4, "slot \(slot)")
        }
    }

    /// The weighted sum adds onto the output, over the 64-wide path and the 8-wide tail, with
    /// fp32 or fp16 values.
    @Test(arguments: [64, 72, 8], [false, true])
    func accumulateAddsTheWeightedValues(dimension: Int, half: Bool) {
        let count = 13
        let weights = Self.random(count, seed: 4)
        let stored = Self.random(count * dimension, seed: 5)
        let halves = stored.map { Float16($0) }
        let values = half ? halves.map { Float($0) } : stored
        let start = Self.random(dimension, seed: 6)
        var output = start
        func run<Element: KVElement>(_ raw: UnsafeRawBufferPointer, _ element: Element.Type) {
            AttentionKernels.accumulate(
                weights, count: count, values: raw.baseAddress!, of: element, dimension: dimension, into: &output)
        }
        if half { halves.withUnsafeBytes { run($0, Float16.self) } } else { stored.withUnsafeBytes { run($0, Float.self) } }
        for d in 0..<dimension {
            var want = Double(start[d])
            for j in 0..<count { want += Double(weights[j]) * Double(values[j * dimension + d]) }
            #expect(abs(Double(output[d]) - want) < 1e-5, "dimension \(d)")
        }
    }

    /// Three heads at once give each head exactly what `accumulate` gives it alone, to the bit,
    /// over the 16-wide passes and an 8-wide tail, with fp32 or fp16 values.
    @Test(arguments: [64, 72, 8], [false, true])
    func accumulateThreeMatchesOneHeadAtATimeBitForBit(dimension: Int, half: Bool) {
        let count = 13, stride = 32
        let weights = Self.random(3 * stride, seed: 9)
        let stored = Self.random(count * dimension, seed: 10)
        let halves = stored.map { Float16($0) }
        let start = Self.random(3 * dimension, seed: 11)
        var together = start, apart = start
        func run<Element: KVElement>(_ raw: UnsafeRawBufferPointer, _ element: Element.Type) {
            AttentionKernels.accumulateThree(
                weights, weightStride: stride, count: count, values: raw.baseAddress!, of: element,
                dimension: dimension, into: &together)
            apart.withUnsafeMutableBufferPointer { out in
                weights.withUnsafeBufferPointer { w in
                    for head in 0..<3 {
                        AttentionKernels.accumulate(
                            w.baseAddress! + head * stride, count: count, values: raw.baseAddress!, of: element,
                            dimension: dimension, into: out.baseAddress! + head * dimension)
                    }
                }
            }
        }
        if half { halves.withUnsafeBytes { run($0, Float16.self) } } else { stored.withUnsafeBytes { run($0, Float.self) } }
        #expect(together.map(\.bitPattern) == apart.map(\.bitPattern))
        #expect(together != start)
    }

    /// Both element types read eight elements from any offset, fp16 widened exactly.
    @Test func loadsWidenFloat16Exactly() {
        let source = Self.random(40, seed: 7).map { Float16($0 * 100) }
        source.withUnsafeBytes { raw in
            for offset in [0, 3, 32] {
                let want = SIMD8<Float>((0..<8).map { Float(source[offset + $0]) })
                #expect(Float16.load8(raw.baseAddress!, at: offset) == want)
            }
        }
        let wide = Self.random(40, seed: 8)
        wide.withUnsafeBytes { raw in
            #expect(Float.load8(raw.baseAddress!, at: 5) == SIMD8<Float>(wide[5..<13]))
        }
    }
}
