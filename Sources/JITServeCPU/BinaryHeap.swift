/// An element of a `BinaryHeap`: `precedes` is the order it pops in.
protocol HeapOrdered {
    func precedes(_ other: Self) -> Bool
}

/// The array-backed binary heap both BPE merge loops pop their candidates from (the ranked
/// merges of byte-level BPE, the scored merges of SentencePiece).
struct BinaryHeap<Element: HeapOrdered> {
    private var entries: [Element] = []

    mutating func push(_ entry: Element) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard let top = entries.first else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                if left >= entries.count { break }
                var best = left
                if left + 1 < entries.count, entries[left + 1].precedes(entries[left]) { best = left + 1 }
                guard entries[best].precedes(entries[parent]) else { break }
                entries.swapAt(best, parent)
                parent = best
            }
        }
        return top
    }
}
