import JITServeCore

/// The paged KV cache's bookkeeping: fixed-size blocks, a block table per request, a host pool
/// for swapped-out requests, and — with prefix caching on — the index of full blocks whose KV
/// can be shared (`PrefixCache`, see `KVBlockManager+Prefix`). It owns indices only; the
/// executor owns the memory.
///
/// Every device block is in exactly one of three states: free and uncached (`freeDevice`),
/// cached and held by no request (evictable, in the prefix cache's eviction order), or held by
/// `referenceCount` request tables. A cached block is given out again only when no uncached
/// free block is left.
public struct KVBlockManager: Sendable {
    public let blockSize: Int
    public let deviceBlockCount: Int
    public let hostBlockCount: Int
    /// Full blocks are indexed for reuse by later requests with the same prefix.
    public let isPrefixCachingEnabled: Bool
    var freeDevice: [Int32]
    private var freeHost: [Int32]
    var deviceTables: [RequestID: [Int32]] = [:]
    private var hostTables: [RequestID: [Int32]] = [:]
    /// Request tables holding each device block (more than one only for shared cached blocks).
    var referenceCount: [Int32]
    var prefixCache: PrefixCache
    /// Per request: how far its full blocks have been offered to the prefix cache.
    var chains: [RequestID: PrefixChain] = [:]

    public init(blockSize: Int, deviceBlockCount: Int, hostBlockCount: Int = 0, enablePrefixCaching: Bool = false) {
        precondition(blockSize > 0 && deviceBlockCount >= 0 && hostBlockCount >= 0)
        self.blockSize = blockSize
        self.deviceBlockCount = deviceBlockCount
        self.hostBlockCount = hostBlockCount
        isPrefixCachingEnabled = enablePrefixCaching
        // Reversed so that popLast hands out low indices first (readable traces, cache locality).
        freeDevice = (0..<Int32(deviceBlockCount)).reversed()
        freeHost = (0..<Int32(hostBlockCount)).reversed()
        referenceCount = Array(repeating: 0, count: deviceBlockCount)
        prefixCache = PrefixCache(blockCount: enablePrefixCaching ? deviceBlockCount : 0, blockSize: blockSize)
    }

    /// Blocks a request can be given: uncached free ones plus cached ones nobody holds.
    public var freeBlockCount: Int { freeDevice.count + prefixCache.evictableCount }
    public var freeHostBlockCount: Int { freeHost.count }
    /// Blocks some request holds.
    public var usedBlockCount: Int { deviceBlockCount - freeBlockCount }
    /// Fraction of device blocks in use (vLLM's `kv_cache_usage_perc`: cached blocks nobody
    /// holds count as free, since they are given out on demand).
    public var usage: Double { deviceBlockCount == 0 ? 0 : Double(usedBlockCount) / Double(deviceBlockCount) }

    /// Blocks needed to hold `tokens` tokens.
    public func blocks(for tokens: Int) -> Int { (tokens + blockSize - 1) / blockSize }

    public func blockTable(for id: RequestID) -> [Int32] { deviceTables[id] ?? [] }
    public func deviceBlockCount(of id: RequestID) -> Int { deviceTables[id]?.count ?? 0 }
    public func isSwapped(_ id: RequestID) -> Bool { !hostTables.isEmpty && hostTables[id] != nil }

    /// Grows `id`'s table to cover `tokenCount` tokens. All or nothing.
    public mutating func allocate(_ id: RequestID, coveringTokens tokenCount: Int) throws(EngineError) {
        let have = deviceTables[id]?.count ?? 0
        let needed = blocks(for: tokenCount) - have
        guard needed > 0 else { return }
        guard needed <= freeBlockCount else {
            throw .outOfBlocks(id, needed: needed, free: freeBlockCount)
        }
        var table = deviceTables.removeValue(forKey: id) ?? []
        table.reserveCapacity(have + needed)
        for _ in 0..<needed { table.append(takeFreeBlock()) }
        deviceTables[id] = table
    }

    /// An uncached free block if any is left, else the least recently freed cached one (its
    /// entry evicted). Held once on return. The caller checked `freeBlockCount`.
    mutating func takeFreeBlock() -> Int32 {
        let block = freeDevice.popLast() ?? prefixCache.evictOldest()!
        referenceCount[Int(block)] = 1
        return block
    }

    /// Drops one reference to each of `table`'s blocks, last block first: a cached block
    /// nobody holds any more becomes evictable, the request's tail before its head, so that a
    /// shared prefix outlives the private suffixes behind it.
    mutating func release(_ table: [Int32]) {
        for block in table.reversed() {
            let b = Int(block)
            referenceCount[b] -= 1
            guard referenceCount[b] == 0 else { continue }
            if isPrefixCachingEnabled && prefixCache.isCached(block) {
                prefixCache.markEvictable(block)
            } else {
                freeDevice.append(block)
            }
        }
    }

    /// Returns every block `id` holds, device and host; its cached blocks stay cached.
    public mutating func free(_ id: RequestID) {
        if let table = deviceTables.removeValue(forKey: id) { release(table) }
        if let table = hostTables.removeValue(forKey: id) { freeHost.append(contentsOf: table.reversed()) }
        chains[id] = nil
    }

    /// Copies `id`'s device blocks to host blocks and lets go of the device ones; returns the
    /// number moved, or nil (nothing changed) when the host pool lacks room.
    ///
    /// The host copy is the request's own: a block it shares with others stays on the device
    /// for them (and cached), so swapping never takes or overwrites another request's KV, and
    /// swapping back in gives it fresh private blocks.
    public mutating func swapOut(_ id: RequestID) -> Int? {
        let count = deviceTables[id]?.count ?? 0
        guard count > 0, count <= freeHost.count, hostTables[id] == nil else { return nil }
        var host: [Int32] = []
        host.reserveCapacity(count)
        for _ in 0..<count { host.append(freeHost.removeLast()) }
        hostTables[id] = host
        release(deviceTables.removeValue(forKey: id)!)
        return count
    }

    /// Moves `id`'s host blocks back to freshly allocated device blocks; returns the number moved.
    public mutating func swapIn(_ id: RequestID) throws(EngineError) -> Int {
        guard let host = hostTables[id] else { return 0 }
        guard host.count <= freeBlockCount else {
            throw .outOfBlocks(id, needed: host.count, free: freeBlockCount)
        }
        var table: [Int32] = []
        table.reserveCapacity(host.count)
        for _ in 0..<host.count { table.append(takeFreeBlock()) }
        deviceTables[id] = table
        hostTables[id] = nil
        freeHost.append(contentsOf: host.reversed())
        return host.count
    }

    /// True when every device block is exactly one of: free and uncached, cached and
    /// evictable, or held — with its reference count equal to the tables holding it, and no
    /// table holding it twice; when every host block is free or in exactly one table; and when
    /// the prefix cache's own maps agree.
    public func checkInvariants() -> Bool {
        var holders = [Int32](repeating: 0, count: deviceBlockCount)
        for table in deviceTables.values {
            var inTable = Set<Int32>()
            for b in table {
                guard b >= 0, Int(b) < deviceBlockCount, inTable.insert(b).inserted else { return false }
                holders[Int(b)] += 1
            }
        }
        var isFree = [Bool](repeating: false, count: deviceBlockCount)
        for b in freeDevice {
            guard b >= 0, Int(b) < deviceBlockCount, !isFree[Int(b)] else { return false }
            isFree[Int(b)] = true
        }
        for b in 0..<deviceBlockCount {
            let block = Int32(b)
            let cached = isPrefixCachingEnabled && prefixCache.isCached(block)
            let evictable = isPrefixCachingEnabled && prefixCache.isMarkedEvictable(block)
            guard referenceCount[b] == holders[b] else { return false }
            let states = (isFree[b] ? 1 : 0) + (evictable ? 1 : 0) + (holders[b] > 0 ? 1 : 0)
            guard states == 1, !(isFree[b] && cached) else { return false }
        }
        var seenHost = [Bool](repeating: false, count: hostBlockCount)
        for b in freeHost + hostTables.values.joined() {
            guard b >= 0, Int(b) < hostBlockCount, !seenHost[Int(b)] else { return false }
            seenHost[Int(b)] = true
        }
        return !seenHost.contains(false) && (!isPrefixCachingEnabled || prefixCache.checkInvariants())
    }
}
