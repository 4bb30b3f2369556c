import JITServeCPU
import JITServeCore
import Testing

struct KernelsArgmaxTests {
    /// The first largest value's index, skipping `excluded`, one element at a time.
    func reference(_ values: [Float], excluding excluded: Int) -> Int {
        var best = -1
        for (index, value) in values.enumerated() where index != excluded && (best < 0 || value > values[best]) {
            best = index
        }
        return best
    }

    @Test func matchesAScalarScanOnTiesTailsAndExclusions() {
        var generator = SplitMix64(seed: 5)
        for length in [1, 7, 8, 9, 31, 64, 1000, 49_157] {
            for trial in 0..<6 {
                // Few distinct values, so that ties across lanes and blocks are common.
                var values = (0..<length).map { _ in Float(Int(generator.uniform(0, 6))) }
                if trial == 1 { values = values.map { -$0 } }
                let excluded = trial < 3 ? -1 : Int(generator.next() % UInt64(length))
                let got = values.withUnsafeBufferPointer { Kernels.argmax($0, excluding: excluded) }
                #expect(got == reference(values, excluding: excluded), "length \(length), trial \(trial)")
            }
        }
    }

    @Test func handlesInfinitiesAndAnExcludedMaximum() {
        let values: [Float] = [-.infinity, -.infinity, 3, -.infinity, -.infinity, -.infinity, -.infinity, -.infinity, 3, 1]
        #expect(values.withUnsafeBufferPointer { Kernels.argmax($0) } == 2)
        #expect(values.withUnsafeBufferPointer { Kernels.argmax($0, excluding: 2) } == 8)
        let none = [Float](repeating: -.infinity, count: 12)
        #expect(none.withUnsafeBufferPointer { Kernels.argmax($0) } == 0)
        #expect(none.withUnsafeBufferPointer { Kernels.argmax($0, excluding: 0) } == 1)
        #expect([Float]().withUnsafeBufferPointer { Kernels.argmax($0) } == -1)
    }
}
