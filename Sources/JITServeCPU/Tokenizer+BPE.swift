extension Tokenizer {
    /// Merge table keyed by the pair of token IDs: the merge's rank (lower merges first) and the
    /// token the pair becomes.
    struct Merge: Sendable {
        var rank: Int32
        var result: Int32
    }

    @inline(__always)
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Byte-pair encodes one piece: start from one token per byte, then repeatedly merge the
    /// adjacent pair with the lowest rank (leftmost on ties) until no pair has a merge. Uses a
    /// doubly linked list over the symbols and a min-heap of candidate pairs, so a piece of n
    /// bytes costs O(n log n) rather than O(n²).
    func bytePairEncode(_ bytes: some Collection<UInt8>, into output: inout [Int32]) {
        // Bytes without a token are dropped before merging, so their neighbours may merge.
        var symbols: [Int32] = []
        symbols.reserveCapacity(bytes.count)
        for byte in bytes where byteTokens[Int(byte)] >= 0 { symbols.append(byteTokens[Int(byte)]) }
        let count = symbols.count
        if count <= 1 {
            output.append(contentsOf: symbols)
            return
        }
        var next = Array(1...count)  // count means "none"
        var previous = Array(-1..<(count - 1))
        var heap = BinaryHeap<RankedMerge>()
        for index in 0..<(count - 1) {
            if let merge = merges[Self.pairKey(symbols[index], symbols[index + 1])] {
                heap.push(.init(rank: merge.rank, left: Int32(index), leftToken: symbols[index], rightToken: symbols[index + 1]))
            }
        }
        while let candidate = heap.pop() {
            let left = Int(candidate.left)
            let right = next[left]
            // Skip entries made stale by earlier merges: the left symbol is gone or changed, or
            // its neighbour is no longer the token the entry was made for.
            guard right < count, symbols[left] == candidate.leftToken, symbols[right] == candidate.rightToken,
                let merge = merges[Self.pairKey(candidate.leftToken, candidate.rightToken)]
            else { continue }
            symbols[left] = merge.result
            symbols[right] = -1
            let after = next[right]
            next[left] = after
            if after < count { previous[after] = left }
            let before = previous[left]
            if before >= 0, let m = merges[Self.pairKey(symbols[before], symbols[left])] {
                heap.push(.init(rank: m.rank, left: Int32(before), leftToken: symbols[before], rightToken: symbols[left]))
            }
            if after < count, let m = merges[Self.pairKey(symbols[left], symbols[after])] {
                heap.push(.init(rank: m.rank, left: Int32(left), leftToken: symbols[left], rightToken: symbols[after]))
            }
        }
        var index = 0
        while index < count {
            output.append(symbols[index])
            index = next[index]
        }
    }

    /// A merge candidate of byte-level BPE: lowest rank first, then leftmost.
    struct RankedMerge: HeapOrdered {
        var rank: Int32
        var left: Int32
        var leftToken: Int32
        var rightToken: Int32

        @inline(__always)
        func precedes(_ other: RankedMerge) -> Bool {
            rank < other.rank || (rank == other.rank && left < other.left)
        }
    }

}
