import JITServeCore
import Testing

@Suite struct SplitMix64Tests {
    @Test func matchesTheReferenceSequence() {
        // SplitMix64 seeded with 0: the first outputs of Vigna's reference C implementation.
        var g = SplitMix64(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(g.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func sameSeedSameStreamDifferentSeedDifferentStream() {
        var a = SplitMix64(seed: 1), b = SplitMix64(seed: 1), c = SplitMix64(seed: 2)
        let xs = (0..<100).map { _ in a.next() }
        #expect(xs == (0..<100).map { _ in b.next() })
        #expect(xs != (0..<100).map { _ in c.next() })
    }

    @Test func drawsStayInRangeAndAreRoughlyUniform() {
        var g = SplitMix64(seed: 3)
        var counts = [Int](repeating: 0, count: 4)
        for _ in 0..<40_000 {
            let u = g.nextUnit()
            #expect(u >= 0 && u < 1)
            counts[g.nextInt(below: 4)] += 1
        }
        #expect(counts.allSatisfy { abs(Double($0) / 10_000 - 1) < 0.05 })
    }

    @Test func splitStreamsDiffer() {
        let root = SplitMix64(seed: 9)
        var x = root.split(1), y = root.split(2)
        #expect((0..<10).map { _ in x.next() } != (0..<10).map { _ in y.next() })
    }
}
