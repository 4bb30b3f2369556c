import JITServeCore
import JITServeEngine
import Testing

/// Prefix caching in the block manager: content-addressed full blocks, shared by reference,
/// evicted least recently freed first and only when nobody holds them.
@Suite struct KVBlockManagerPrefixTests {
    /// A distinct token sequence per seed.
    func tokens(_ count: Int, seed: UInt64) -> [Int32] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Int32(rng.nextInt(below: 50_000)) }
    }

    /// `id` computes all of `tokens` and offers its full blocks to the cache.
    func compute(_ kv: inout KVBlockManager, _ id: UInt64, _ tokens: [Int32]) throws {
        try kv.allocate(RequestID(id), coveringTokens: tokens.count)
        kv.cacheFullBlocks(of: RequestID(id), tokens: tokens, computedTokenCount: tokens.count)
    }

    @Test func aSharedPrefixSharesWholeBlocksAndCopiesThePartOfTheNext() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 20, enablePrefixCaching: true)
        let a = tokens(50, seed: 1)  // 3 full blocks + 2 tokens
        try compute(&kv, 1, a)
        // Same first 40 tokens, then different: blocks 0 and 1 match, block 2 only its first 8.
        var b = Array(a[0..<40]) + tokens(30, seed: 2)
        b[40] = a[40] == 7 ? 8 : 7
        #expect(kv.cachedPrefixTokenCount(of: b, limit: b.count - 1) == 40)
        let claim = kv.claimCachedPrefix(RequestID(2), tokens: b, limit: b.count - 1)
        let tableA = kv.blockTable(for: RequestID(1)), tableB = kv.blockTable(for: RequestID(2))
        #expect(claim.tokenCount == 40)
        // Blocks 0 and 1 by reference; block 2 a private copy of A's, to be filled before the pass.
        #expect(Array(tableB[0..<2]) == Array(tableA[0..<2]) && tableB.count == 3)
        #expect(claim.copy == KVBlockCopy(source: tableA[2], destination: tableB[2]))
        #expect(!tableA.contains(tableB[2]))
        try kv.allocate(RequestID(2), coveringTokens: b.count)
        // 4 blocks for A; B's 70 tokens take 5, of which the first 2 are A's.
        #expect(kv.usedBlockCount == 7)
        #expect(Set(kv.blockTable(for: RequestID(2))[2...]).isDisjoint(with: tableA))
        #expect(kv.checkInvariants())
    }

    @Test func aChangedTokenInTheFirstBlockKeepsOnlyTheTokensBeforeIt() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 20, enablePrefixCaching: true)
        let a = tokens(64, seed: 3)
        try compute(&kv, 1, a)
        var b = a
        b[3] &+= 1  // blocks 1…3 are unchanged, but their prefix is not
        #expect(kv.cachedPrefixTokenCount(of: b, limit: b.count - 1) == 3)
        let claim = kv.claimCachedPrefix(RequestID(2), tokens: b, limit: b.count - 1)
        #expect(claim.tokenCount == 3 && claim.copy?.source == kv.blockTable(for: RequestID(1))[0])
        #expect(kv.deviceBlockCount(of: RequestID(2)) == 1)
        // The unchanged sequence hits up to the limit: never its last token, which is computed.
        #expect(kv.cachedPrefixTokenCount(of: a, limit: a.count - 1) == 63)
        // A first token nobody cached: nothing.
        b[0] &+= 1
        #expect(kv.cachedPrefixTokenCount(of: b, limit: b.count - 1) == 0)
        #expect(kv.claimCachedPrefix(RequestID(3), tokens: b, limit: b.count - 1).tokenCount == 0)
        #expect(kv.deviceBlockCount(of: RequestID(3)) == 0)
        #expect(kv.checkInvariants())
    }

    @Test func aPartialMatchPicksTheSiblingSharingMostAndStaysWithinTheLimit() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 20, enablePrefixCaching: true)
        let system = tokens(16, seed: 20)
        let a = system + tokens(16, seed: 21)
        var b = a
        for i in 26..<32 { b[i] &+= 1 }  // shares 10 tokens of block 1 with A
        var c = a
        for i in 20..<32 { c[i] &+= 1 }  // shares 4
        try compute(&kv, 1, a)
        try compute(&kv, 2, b)
        try compute(&kv, 3, c)
        var d = a + [5]
        d[29] &+= 1  // shares 13 with A, 10 with B, 4 with C
        #expect(kv.cachedPrefixTokenCount(of: d, limit: d.count - 1) == 29)
        #expect(kv.cachedPrefixTokenCount(of: d, limit: 20) == 20)
        // Within 25 tokens A and B both share all 9 of block 1's: the newest, B's, is taken.
        let claim = kv.claimCachedPrefix(RequestID(4), tokens: d, limit: 25)
        #expect(claim.tokenCount == 25 && claim.copy?.source == kv.blockTable(for: RequestID(2))[1])
        #expect(kv.checkInvariants())
    }

    @Test func aPartialMatchIsSkippedWhenItsSourceIsTheOnlyFreeBlock() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 3, enablePrefixCaching: true)
        let a = tokens(48, seed: 22)
        try compute(&kv, 1, a)
        kv.free(RequestID(1))  // all 3 cached and evictable, the last block oldest
        // Taking a block for the copy would evict the copy's own source: whole blocks only.
        let claim = kv.claimCachedPrefix(RequestID(2), tokens: a, limit: 47)
        #expect(claim.tokenCount == 32 && claim.copy == nil)
        #expect(kv.cachedBlockCount == 3 && kv.freeBlockCount == 1)
        #expect(kv.checkInvariants())
        // With a block to spare, the copy goes there and the source stays cached.
        var roomy = KVBlockManager(blockSize: 16, deviceBlockCount: 4, enablePrefixCaching: true)
        try compute(&roomy, 1, a)
        roomy.free(RequestID(1))
        let copied = roomy.claimCachedPrefix(RequestID(2), tokens: a, limit: 47)
        #expect(copied.tokenCount == 47 && copied.copy?.destination == 3)
        #expect(roomy.cachedBlockCount == 3 && roomy.freeBlockCount == 1 && roomy.checkInvariants())
    }

    @Test func nothingIsCachedWhenDisabled() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 20)
        let a = tokens(64, seed: 4)
        try compute(&kv, 1, a)
        kv.free(RequestID(1))
        #expect(kv.cachedBlockCount == 0)
        #expect(kv.cachedPrefixTokenCount(of: a, limit: 63) == 0)
        #expect(kv.claimCachedPrefix(RequestID(2), tokens: a, limit: 63).tokenCount == 0)
    }

    @Test func referenceCountsFollowFinishAndPreemption() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 10, enablePrefixCaching: true)
        let a = tokens(48, seed: 5)
        try compute(&kv, 1, a)  // blocks: 3, all cached
        // Two blocks shared, the third's first 15 tokens copied into a block of B's own.
        #expect(kv.claimCachedPrefix(RequestID(2), tokens: a, limit: 47).tokenCount == 47)
        try kv.allocate(RequestID(2), coveringTokens: 48)
        #expect(kv.usedBlockCount == 4 && kv.freeBlockCount == 6)
        // A finishes: its third block (only A holds it) becomes evictable; the shared two stay
        // held by B, beside B's own third block.
        kv.free(RequestID(1))
        #expect(kv.usedBlockCount == 3 && kv.freeBlockCount == 7 && kv.cachedBlockCount == 3)
        #expect(kv.checkInvariants())
        // B is preempted by recompute: everything is free again, and all 3 blocks stay cached.
        kv.free(RequestID(2))
        #expect(kv.usedBlockCount == 0 && kv.freeBlockCount == 10 && kv.cachedBlockCount == 3)
        // On resumption it finds its prefix again.
        #expect(kv.claimCachedPrefix(RequestID(2), tokens: a, limit: 47).tokenCount == 47)
        #expect(kv.checkInvariants())
    }

    @Test func evictionTakesUncachedBlocksFirstThenTheLeastRecentlyFreed() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 6, enablePrefixCaching: true)
        let a = tokens(32, seed: 6), b = tokens(32, seed: 7)
        try compute(&kv, 1, a)
        kv.free(RequestID(1))  // A's 2 blocks: evictable, older
        try compute(&kv, 2, b)
        kv.free(RequestID(2))  // B's 2 blocks: evictable, newer
        #expect(kv.freeBlockCount == 6 && kv.cachedBlockCount == 4)
        // Two blocks are still uncached: taking them evicts nothing.
        try kv.allocate(RequestID(3), coveringTokens: 32)
        #expect(kv.cachedBlockCount == 4)
        // One more: evicts from A (freed first) — A's tail block, freed before its head.
        try kv.allocate(RequestID(4), coveringTokens: 16)
        #expect(kv.cachedBlockCount == 3)
        #expect(kv.cachedPrefixTokenCount(of: a + [0], limit: 32) == 16)
        #expect(kv.cachedPrefixTokenCount(of: b + [0], limit: 32) == 32)
        #expect(kv.checkInvariants())
    }

    @Test func aHeldCachedBlockIsNeverEvicted() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 4, enablePrefixCaching: true)
        let a = tokens(48, seed: 8)
        try compute(&kv, 1, a)  // 3 cached blocks held by A
        #expect(kv.freeBlockCount == 1)
        #expect(throws: EngineError.self) { try kv.allocate(RequestID(2), coveringTokens: 32) }
        #expect(kv.cachedBlockCount == 3)
        #expect(kv.cachedPrefixTokenCount(of: a, limit: 47) == 47)
        #expect(kv.checkInvariants())
    }

    @Test func swapCopiesAndLeavesSharedBlocksToTheirOtherHolders() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 10, hostBlockCount: 10, enablePrefixCaching: true)
        let a = tokens(40, seed: 9)
        try compute(&kv, 1, a)
        #expect(kv.claimCachedPrefix(RequestID(2), tokens: a, limit: 39).tokenCount == 32)
        try kv.allocate(RequestID(2), coveringTokens: 40)
        let shared = Array(kv.blockTable(for: RequestID(1))[0..<2])
        #expect(kv.swapOut(RequestID(2)) == 3)
        // A keeps its blocks, still cached and held; B's private one is free.
        #expect(Array(kv.blockTable(for: RequestID(1))[0..<2]) == shared)
        #expect(kv.usedBlockCount == 3 && kv.cachedPrefixTokenCount(of: a, limit: 39) == 32)
        #expect(try kv.swapIn(RequestID(2)) == 3)
        // Back in fresh private blocks: none of A's.
        #expect(Set(kv.blockTable(for: RequestID(2))).isDisjoint(with: kv.blockTable(for: RequestID(1))))
        #expect(kv.checkInvariants())
    }

    /// Random claim / compute / grow / free / swap sequences over a small token alphabet (so
    /// that prefixes repeat, whole and part-way into a block) never leak a block, miscount a
    /// reference, or hand out a held one — and every claimed prefix reads, through the
    /// request's table after its block copy, exactly the tokens it claimed, as written by
    /// whoever computed them.
    @Test(arguments: [11, 12, 13, 14])
    func invariantsHoldUnderRandomOperations(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let blockSize = 4
        var kv = KVBlockManager(blockSize: blockSize, deviceBlockCount: 48, hostBlockCount: 16, enablePrefixCaching: true)
        var sequences: [RequestID: [Int32]] = [:]
        // What each device block's slots hold, as an executor would have written them.
        var slots = [[Int32]](repeating: Array(repeating: -1, count: blockSize), count: 48)
        func write(_ tokens: [Int32], _ range: Range<Int>, of id: RequestID) {
            let table = kv.blockTable(for: id)
            for i in range { slots[Int(table[i / blockSize])][i % blockSize] = tokens[i] }
        }
        var hits = 0, partialHits = 0
        for step in 0..<3000 {
            let id = RequestID(UInt64(rng.nextInt(below: 12)))
            switch rng.nextInt(below: 6) {
            case 0, 1:  // start (claiming a cached prefix) or grow, then cache what is computed
                if kv.isSwapped(id) { break }
                var tokens = sequences[id] ?? []
                let computed = tokens.count
                var claimed = 0
                var copy: KVBlockCopy?
                if tokens.isEmpty {
                    tokens = (0..<(2 + rng.nextInt(below: 20))).map { _ in Int32(rng.nextInt(below: 2)) }
                    (claimed, copy) = kv.claimCachedPrefix(id, tokens: tokens, limit: tokens.count - 1)
                } else {
                    tokens += (0..<(1 + rng.nextInt(below: 6))).map { _ in Int32(rng.nextInt(below: 2)) }
                }
                if (try? kv.allocate(id, coveringTokens: tokens.count)) != nil {
                    if let copy { slots[Int(copy.destination)] = slots[Int(copy.source)] }
                    let table = kv.blockTable(for: id)
                    for i in 0..<claimed {
                        #expect(slots[Int(table[i / blockSize])][i % blockSize] == tokens[i], "step \(step), token \(i)")
                    }
                    hits += claimed
                    if claimed % blockSize != 0 { partialHits += 1 }
                    write(tokens, max(computed, claimed)..<tokens.count, of: id)
                    sequences[id] = tokens
                    kv.cacheFullBlocks(of: id, tokens: tokens, computedTokenCount: tokens.count)
                } else if sequences[id] == nil {
                    kv.free(id)
                }
            case 2, 3:  // finish, or preempt by recompute
                kv.free(id)
                sequences[id] = nil
            case 4:
                _ = kv.swapOut(id)
            default:
                // Swapped back in to fresh blocks: the executor copies the host blocks there.
                if kv.isSwapped(id), (try? kv.swapIn(id)) != nil, let tokens = sequences[id] {
                    write(tokens, 0..<tokens.count, of: id)
                }
            }
            #expect(kv.checkInvariants(), "step \(step)")
        }
        for i in 0..<12 { kv.free(RequestID(UInt64(i))) }
        #expect(kv.freeBlockCount == 48 && kv.usedBlockCount == 0 && kv.freeHostBlockCount == 16)
        #expect(hits > 0 && partialHits > 0)
    }
}
