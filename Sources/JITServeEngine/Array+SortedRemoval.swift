extension Array {
    /// Removes the elements at `sortedIndices` (ascending, distinct, in bounds), keeping the
    /// others in order, by moving memory: no element is copied, so none is retained or
    /// released. The standard `removeSubranges` swaps elements one by one, and each swap of a
    /// scheduler row copies it (a retain and a release of its length distribution) — under a
    /// burst, ten thousand rows behind the first one removed, every iteration.
    mutating func remove(atSortedIndices sortedIndices: [Int]) {
        guard let first = sortedIndices.first else { return }
        let removedCount = sortedIndices.count
        withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            let removed = UnsafeMutablePointer<Element>.allocate(capacity: removedCount)
            defer { removed.deallocate() }
            for (j, i) in sortedIndices.enumerated() { (removed + j).moveInitialize(from: base + i, count: 1) }
            // Each kept run between two removed elements slides down over the gaps.
            var write = first
            for (j, i) in sortedIndices.enumerated() {
                let end = j + 1 < removedCount ? sortedIndices[j + 1] : buffer.count
                let length = end - (i + 1)
                if length > 0 { (base + write).moveInitialize(from: base + i + 1, count: length) }
                write += length
            }
            // The removed elements go to the end, whole again, where `removeLast` ends them.
            (base + write).moveInitialize(from: removed, count: removedCount)
        }
        removeLast(removedCount)
    }
}
