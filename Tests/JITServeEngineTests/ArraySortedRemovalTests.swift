@testable import JITServeEngine
import JITServeCore
import Testing

/// `remove(atSortedIndices:)` moves memory instead of copying elements: it must keep the rest
/// in order and end exactly the removed elements, each once.
@Suite struct ArraySortedRemovalTests {
    final class Counted {
        let value: Int
        let ended: Box
        init(_ value: Int, ended: Box) { self.value = value; self.ended = ended }
        deinit { ended.values.append(value) }
    }
    final class Box { var values: [Int] = [] }
    /// A row-like value: a reference plus plain fields.
    struct Row { var object: Counted; var number: Int }

    @Test func removesExactlyTheIndicesGivenAndEndsThemOnce() {
        var rng = SplitMix64(seed: 42)
        for trial in 0..<500 {
            let ended = Box()
            let count = rng.nextInt(below: 40)
            var rows = (0..<count).map { Row(object: Counted($0, ended: ended), number: $0 * 10) }
            let picked = (0..<count).filter { _ in rng.nextInt(below: 4) == 0 || trial % 50 == 0 }
            rows.remove(atSortedIndices: picked)
            let kept = (0..<count).filter { !picked.contains($0) }
            #expect(rows.map(\.object.value) == kept)
            #expect(rows.map(\.number) == kept.map { $0 * 10 })
            #expect(ended.values.sorted() == picked)
            rows.removeAll()
            #expect(ended.values.sorted() == Array(0..<count))
        }
    }
}
