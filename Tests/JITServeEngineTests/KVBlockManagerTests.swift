import JITServeCore
import JITServeEngine
import Testing

@Suite struct KVBlockManagerTests {
    @Test func allocationGrowsByWholeBlocks() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 10)
        let id = RequestID(1)
        try kv.allocate(id, coveringTokens: 17)
        #expect(kv.deviceBlockCount(of: id) == 2)
        try kv.allocate(id, coveringTokens: 32)
        #expect(kv.deviceBlockCount(of: id) == 2)
        try kv.allocate(id, coveringTokens: 33)
        #expect(kv.deviceBlockCount(of: id) == 3)
        #expect(kv.freeBlockCount == 7)
    }

    @Test func failedAllocationChangesNothing() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 4)
        try kv.allocate(RequestID(1), coveringTokens: 48)
        #expect(throws: EngineError.self) { try kv.allocate(RequestID(2), coveringTokens: 32) }
        #expect(kv.freeBlockCount == 1)
        #expect(kv.deviceBlockCount(of: RequestID(2)) == 0)
        #expect(kv.checkInvariants())
    }

    @Test func swapMovesBlocksToHostAndBack() throws {
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 8, hostBlockCount: 4)
        let id = RequestID(1)
        try kv.allocate(id, coveringTokens: 40)
        #expect(kv.swapOut(id) == 3)
        #expect(kv.freeBlockCount == 8 && kv.freeHostBlockCount == 1)
        #expect(kv.isSwapped(id))
        #expect(try kv.swapIn(id) == 3)
        #expect(kv.freeBlockCount == 5 && kv.freeHostBlockCount == 4)
        #expect(kv.checkInvariants())
    }

    /// Random allocate / append / free / swap sequences never leak or share a block.
    @Test(arguments: [1, 2, 3, 4, 5])
    func invariantsHoldUnderRandomOperations(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var kv = KVBlockManager(blockSize: 16, deviceBlockCount: 64, hostBlockCount: 32)
        var tokens: [RequestID: Int] = [:]
        for step in 0..<4000 {
            let id = RequestID(UInt64(rng.nextInt(below: 24)))
            switch rng.nextInt(below: 5) {
            case 0, 1: // allocate or append
                if kv.isSwapped(id) { break }
                let grown = (tokens[id] ?? 0) + 1 + rng.nextInt(below: 40)
                if (try? kv.allocate(id, coveringTokens: grown)) != nil { tokens[id] = grown }
            case 2: // finish
                kv.free(id)
                tokens[id] = nil
            case 3: // preempt by swap
                _ = kv.swapOut(id)
            default: // resume, or preempt by recompute
                if kv.isSwapped(id) { _ = try? kv.swapIn(id) } else { kv.free(id); tokens[id] = nil }
            }
            #expect(kv.checkInvariants(), "step \(step)")
        }
        for id in tokens.keys { kv.free(id) }
        for i in 0..<24 { kv.free(RequestID(UInt64(i))) }
        #expect(kv.freeBlockCount == 64 && kv.freeHostBlockCount == 32)
    }
}
