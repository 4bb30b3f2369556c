import JITServeSimulation
import Testing

@Suite struct WorkloadGeneratorTests {
    @Test func sameSeedSameStreamDifferentSeedDifferentStream() {
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 1), c = SeededGenerator(seed: 2)
        let xs = (0..<100).map { _ in a.next() }
        #expect(xs == (0..<100).map { _ in b.next() })
        #expect(xs != (0..<100).map { _ in c.next() })
    }

    @Test func drawsStayInRangeAndAreRoughlyUniform() {
        var g = SeededGenerator(seed: 3)
        var counts = [Int](repeating: 0, count: 4)
        for _ in 0..<40_000 {
            let u = g.nextUnit()
            #expect(u >= 0 && u < 1)
            counts[g.nextInt(below: 4)] += 1
        }
        #expect(counts.allSatisfy { abs(Double($0) / 10_000 - 1) < 0.05 })
        let mean = (0..<40_000).map { _ in g.nextExponential(rate: 4) }.reduce(0, +) / 40_000
        #expect(abs(mean - 0.25) < 0.01)
    }

    @Test func splitStreamsDiffer() {
        let root = SeededGenerator(seed: 9)
        var x = root.split(1), y = root.split(2)
        #expect((0..<10).map { _ in x.next() } != (0..<10).map { _ in y.next() })
    }
}
