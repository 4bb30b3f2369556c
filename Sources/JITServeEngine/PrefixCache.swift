/// The content index of automatic prefix caching (vLLM's APC): which device blocks hold the KV
/// of which full block of tokens, and which of them, held by no request, may be evicted — least
/// recently freed first.
///
/// A block is identified by its parent's entry and its own tokens, so a hit means the whole
/// prefix up to and including that block is the same token for token. The dictionary hashes
/// with Swift's per-process seeded SipHash and confirms every hit by comparing the tokens and
/// the parent's entry number: a hash collision (accidental or crafted) costs a probe, never a
/// wrong hit. Entry numbers are never reused, so a child whose parent was evicted can no longer
/// be reached (it waits, unreachable, for eviction) and cannot be mistaken for another's child.
///
/// `KVBlockManager` owns reference counts; this type only knows what is cached and evictable.
struct PrefixCache: Sendable {
    /// A full block's identity: its parent's entry number (0 for a sequence's first block) and
    /// its tokens. Looked up with a slice of the request's own token array (no copy); stored
    /// with a copy of just the block's tokens.
    struct Key: Hashable, Sendable {
        var parent: UInt64
        var tokens: ArraySlice<Int32>
    }

    private var blockByKey: [Key: Int32] = [:]
    private var keyByBlock: [Key?]
    private var entryByBlock: [UInt64]
    private var nextEntry: UInt64 = 1
    // Evictable blocks (cached, held by no request) as a doubly linked list, oldest at `head`.
    private var previous: [Int32]
    private var next: [Int32]
    private var isEvictable: [Bool]
    private var head: Int32 = -1
    private var tail: Int32 = -1
    private(set) var evictableCount = 0

    init(blockCount: Int) {
        keyByBlock = Array(repeating: nil, count: blockCount)
        entryByBlock = Array(repeating: 0, count: blockCount)
        previous = Array(repeating: -1, count: blockCount)
        next = Array(repeating: -1, count: blockCount)
        isEvictable = Array(repeating: false, count: blockCount)
    }

    /// Blocks holding a cached entry (in use or evictable).
    var cachedBlockCount: Int { blockByKey.count }

    /// The block cached under `key`, if any.
    func block(for key: Key) -> Int32? { blockByKey[key] }

    /// The entry number of what `block` holds (0 when it is not cached).
    func entry(of block: Int32) -> UInt64 { entryByBlock[Int(block)] }

    func isCached(_ block: Int32) -> Bool { keyByBlock[Int(block)] != nil }

    /// Records that `block` holds `key`'s tokens; returns the new entry's number. The caller
    /// checked that `key` is not cached and `block` holds no entry.
    mutating func insert(_ key: Key, block: Int32) -> UInt64 {
        let stored = Key(parent: key.parent, tokens: ArraySlice(Array(key.tokens)))
        let entry = nextEntry
        nextEntry += 1
        blockByKey[stored] = block
        keyByBlock[Int(block)] = stored
        entryByBlock[Int(block)] = entry
        return entry
    }

    /// Appends a cached block that no request holds any more to the eviction order (newest).
    mutating func markEvictable(_ block: Int32) {
        let b = Int(block)
        precondition(keyByBlock[b] != nil && !isEvictable[b])
        isEvictable[b] = true
        previous[b] = tail
        next[b] = -1
        if tail >= 0 { next[Int(tail)] = block } else { head = block }
        tail = block
        evictableCount += 1
    }

    /// Takes an evictable block off the eviction order: a request claimed it again.
    mutating func unmarkEvictable(_ block: Int32) {
        let b = Int(block)
        precondition(isEvictable[b])
        isEvictable[b] = false
        if previous[b] >= 0 { next[Int(previous[b])] = next[b] } else { head = next[b] }
        if next[b] >= 0 { previous[Int(next[b])] = previous[b] } else { tail = previous[b] }
        previous[b] = -1
        next[b] = -1
        evictableCount -= 1
    }

    /// Evicts the least recently freed evictable block and returns it, its entry forgotten.
    mutating func evictOldest() -> Int32? {
        guard head >= 0 else { return nil }
        let block = head
        unmarkEvictable(block)
        if let key = keyByBlock[Int(block)] { blockByKey[key] = nil }
        keyByBlock[Int(block)] = nil
        entryByBlock[Int(block)] = 0
        return block
    }

    func isMarkedEvictable(_ block: Int32) -> Bool { isEvictable[Int(block)] }

    /// The evictable blocks, oldest first.
    var evictionOrder: [Int32] {
        var order: [Int32] = []
        var b = head
        while b >= 0 {
            order.append(b)
            b = next[Int(b)]
        }
        return order
    }

    /// True when the two maps agree, every evictable block is cached, and the eviction list is
    /// well linked and as long as its count.
    func checkInvariants() -> Bool {
        for (key, block) in blockByKey {
            guard Int(block) < keyByBlock.count, keyByBlock[Int(block)] == key, entryByBlock[Int(block)] != 0 else {
                return false
            }
        }
        var cached = 0
        for b in keyByBlock.indices {
            if let key = keyByBlock[b] {
                cached += 1
                guard blockByKey[key] == Int32(b) else { return false }
            } else if isEvictable[b] || entryByBlock[b] != 0 {
                return false
            }
        }
        let order = evictionOrder
        return cached == blockByKey.count && order.count == evictableCount
            && order.allSatisfy { isEvictable[Int($0)] }
            && isEvictable.lazy.filter { $0 }.count == evictableCount
    }
}
