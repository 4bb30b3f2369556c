import JITServeCore

/// The paged KV cache's bookkeeping: fixed-size blocks, a block table per request, and a host
/// pool for swapped-out requests. It owns indices only; the executor owns the memory.
public struct KVBlockManager: Sendable {
    public let blockSize: Int
    public let deviceBlockCount: Int
    public let hostBlockCount: Int
    private var freeDevice: [Int32]
    private var freeHost: [Int32]
    private var deviceTables: [RequestID: [Int32]] = [:]
    private var hostTables: [RequestID: [Int32]] = [:]

    public init(blockSize: Int, deviceBlockCount: Int, hostBlockCount: Int = 0) {
        precondition(blockSize > 0 && deviceBlockCount >= 0 && hostBlockCount >= 0)
        self.blockSize = blockSize
        self.deviceBlockCount = deviceBlockCount
        self.hostBlockCount = hostBlockCount
        // Reversed so that popLast hands out low indices first (readable traces, cache locality).
        freeDevice = (0..<Int32(deviceBlockCount)).reversed()
        freeHost = (0..<Int32(hostBlockCount)).reversed()
    }

    public var freeBlockCount: Int { freeDevice.count }
    public var freeHostBlockCount: Int { freeHost.count }
    public var usedBlockCount: Int { deviceBlockCount - freeDevice.count }
    /// Fraction of device blocks in use (vLLM's `kv_cache_usage_perc`).
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
        guard needed <= freeDevice.count else {
            throw .outOfBlocks(id, needed: needed, free: freeDevice.count)
        }
        var table = deviceTables.removeValue(forKey: id) ?? []
        table.reserveCapacity(have + needed)
        for _ in 0..<needed { table.append(freeDevice.removeLast()) }
        deviceTables[id] = table
    }

    /// Returns every block `id` holds, device and host.
    public mutating func free(_ id: RequestID) {
        if let table = deviceTables.removeValue(forKey: id) { freeDevice.append(contentsOf: table.reversed()) }
        if let table = hostTables.removeValue(forKey: id) { freeHost.append(contentsOf: table.reversed()) }
    }

    /// Moves `id`'s device blocks to host blocks; returns the number moved, or nil (nothing
    /// changed) when the host pool lacks room.
    public mutating func swapOut(_ id: RequestID) -> Int? {
        let count = deviceTables[id]?.count ?? 0
        guard count > 0, count <= freeHost.count, hostTables[id] == nil else { return nil }
        var host: [Int32] = []
        host.reserveCapacity(count)
        for _ in 0..<count { host.append(freeHost.removeLast()) }
        hostTables[id] = host
        freeDevice.append(contentsOf: deviceTables.removeValue(forKey: id)!.reversed())
        return count
    }

    /// Moves `id`'s host blocks back to freshly allocated device blocks; returns the number moved.
    public mutating func swapIn(_ id: RequestID) throws(EngineError) -> Int {
        guard let host = hostTables[id] else { return 0 }
        guard host.count <= freeDevice.count else {
            throw .outOfBlocks(id, needed: host.count, free: freeDevice.count)
        }
        var table: [Int32] = []
        table.reserveCapacity(host.count)
        for _ in 0..<host.count { table.append(freeDevice.removeLast()) }
        deviceTables[id] = table
        hostTables[id] = nil
        freeHost.append(contentsOf: host.reversed())
        return host.count
    }

    /// True when every block is either free or in exactly one table, on device and host alike.
    public func checkInvariants() -> Bool {
        func consistent(free: [Int32], tables: Dictionary<RequestID, [Int32]>.Values, total: Int) -> Bool {
            var seen = [Bool](repeating: false, count: total)
            for b in free {
                guard b >= 0, Int(b) < total, !seen[Int(b)] else { return false }
                seen[Int(b)] = true
            }
            for table in tables {
                for b in table {
                    guard b >= 0, Int(b) < total, !seen[Int(b)] else { return false }
                    seen[Int(b)] = true
                }
            }
            return !seen.contains(false)
        }
        return consistent(free: freeDevice, tables: deviceTables.values, total: deviceBlockCount)
            && consistent(free: freeHost, tables: hostTables.values, total: hostBlockCount)
    }
}
