@testable import JITServeCPU
import JITServeCore
import Testing

@Suite("Attention kernels")
struct AttentionKernelsTests {
    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in generator.uniform(-1, 1) }
    }

    /// Keys of a block laid out `[dimension][slot]`: scores must equal plain dot products.
    @Test(arguments: [16, 32, 64])
    func scoresAreDotProductsWithTransposedKeys(slotStride: Int) {
        let dimension = 64
        let keys = Self.random(dimension * slotStride, seed: 1)
        let q0 = Self.random(dimension, seed: 2), q1 = Self.random(dimension, seed: 3)
        var pair0 = [Float](repeating: .nan, count: slotStride), pair1 = pair0, single = pair0
        AttentionKernels.scorePair(
            q0, q1, keys: keys, slotStride: slotStride, dimension: dimension, lanes: slotStride,
            into: &pair0, &pair1)
        AttentionKernels.score(q1, keys: keys, slotStride: slotStride, dimension: dimension, lanes: slotStride, into: &single)
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

    /// The weighted sum adds onto the output, over the 64-wide path and the 8-wide tail.
    @Test(arguments: [64, 72, 8])
    func accumulateAddsTheWeightedValues(dimension: Int) {
        let count = 13
        let weights = Self.random(count, seed: 4)
        let values = Self.random(count * dimension, seed: 5)
        let start = Self.random(dimension, seed: 6)
        var output = start
        AttentionKernels.accumulate(weights, count: count, values: values, dimension: dimension, into: &output)
        for d in 0..<dimension {
            var want = Double(start[d])
            for j in 0..<count { want += Double(weights[j]) * Double(values[j * dimension + d]) }
            #expect(abs(Double(output[d]) - want) < 1e-5, "dimension \(d)")
        }
    }

    @Test func widenMatchesFloat16Conversion() {
        let source = Self.random(40, seed: 7).map { Float16($0 * 100) }
        var wide = [Float](repeating: .nan, count: 40)
        source.withUnsafeBytes { raw in AttentionKernels.widen(raw.baseAddress!, count: 40, into: &wide) }
        #expect(wide == source.map { Float($0) })
    }
}
