/// The content index of automatic prefix caching (vLLM's APC): which device blocks hold the KV
/// of which full block of tokens, and which of them, held by no request, may be evicted — least
/// recently freed first.
///
/// A block is identified by its parent's entry and its own tokens, so a hit means the whole
/// prefix up to and including that block is the same token for token. The index is keyed by
/// the parent's entry and a digest of the tokens under Swift's per-process seeded SipHash, and
/// every hit is confirmed by comparing the tokens themselves: a digest collision (accidental or
/// crafted) costs a probe and leaves that block uncached, never a wrong hit. Entry numbers are
/// never reused, so a child whose parent was evicted can no longer be reached (it waits,
/// unreachable, for eviction) and cannot be mistaken for another's child.
///
/// Its memory is fixed by the pool's size and taken at the first insertion, tokens included (one
/// flat array, a block's worth per device block): caching a block allocates nothing. An index
/// that grew entry by entry, with a small array per cached block, kept a long-running server's
/// resident memory creeping up for as long as the pool took to fill (a simulated 80 GB GPU's
/// 23 k blocks: minutes of traffic, and a few MiB of allocator churn after that).
///
/// Each entry's cached children are also kept as a list, newest first, so that a request whose
/// next block is not cached whole can find a sibling that starts with the same tokens (a chat
/// template's system prompt rarely ends on a block boundary) and copy their KV instead of
/// computing it again: the prefix is then shared to the token, as llama.cpp's slots and
/// SGLang's radix tree share it, not only to the block.
///
/// `KVBlockManager` owns reference counts; this type only knows what is cached and evictable.
struct PrefixCache: Sendable {
    /// A full block's identity as looked up: its parent's entry number (0 for a sequence's
    /// first block) and its tokens, a slice of the request's own token array (no copy).
    struct Key {
        var parent: UInt64
        var tokens: ArraySlice<Int32>
    }

    /// What the index is keyed by: the parent's entry and the digest of the tokens.
    private struct Slot: Hashable {
        var parent: UInt64
        var digest: Int

        init(_ key: Key) {
            var hasher = Hasher()
            hasher.combine(key.parent)
            key.tokens.withUnsafeBytes { hasher.combine(bytes: $0) }
            parent = key.parent
            digest = hasher.finalize()
        }
    }

    private let blockSize: Int
    private let blockCount: Int
    private var blockBySlot: [Slot: Int32] = [:]
    /// Per device block: where it is indexed (meaningful while its entry is not 0), its entry
    /// number (0: not cached) and its tokens, `blockSize` each, in one array.
    private var slotByBlock: [Slot]
    private var entryByBlock: [UInt64]
    private var tokensByBlock: [Int32] = []
    private var nextEntry: UInt64 = 1
    // Evictable blocks (cached, held by no request) as a doubly linked list, oldest at `head`.
    private var previous: [Int32]
    private var next: [Int32]
    private var isEvictable: [Bool]
    private var head: Int32 = -1
    private var tail: Int32 = -1
    private(set) var evictableCount = 0
    // Each entry's cached children, newest first, as lists threaded through the blocks.
    private var newestChildByParent: [UInt64: Int32] = [:]
    private var olderSibling: [Int32]
    private var newerSibling: [Int32]

    /// Siblings a partial match looks at, newest first: bounds a lookup's cost when thousands
    /// of requests continue one system prompt differently.
    static let partialMatchCandidateLimit = 8

    init(blockCount: Int, blockSize: Int) {
        self.blockCount = blockCount
        self.blockSize = blockSize
        slotByBlock = Array(repeating: Slot(Key(parent: 0, tokens: [])), count: blockCount)
        entryByBlock = Array(repeating: 0, count: blockCount)
        previous = Array(repeating: -1, count: blockCount)
        next = Array(repeating: -1, count: blockCount)
        isEvictable = Array(repeating: false, count: blockCount)
        olderSibling = Array(repeating: -1, count: blockCount)
        newerSibling = Array(repeating: -1, count: blockCount)
    }

    /// Blocks holding a cached entry (in use or evictable).
    var cachedBlockCount: Int { blockBySlot.count }

    /// The block cached under `key`, if any.
    func block(for key: Key) -> Int32? {
        guard let block = blockBySlot[Slot(key)], holds(block, key.tokens) else { return nil }
        return block
    }

    /// The entry number of what `block` holds (0 when it is not cached).
    func entry(of block: Int32) -> UInt64 { entryByBlock[Int(block)] }

    func isCached(_ block: Int32) -> Bool { entryByBlock[Int(block)] != 0 }

    /// Records that `block` holds `key`'s tokens; returns the new entry's number, or nil when
    /// another content already holds `key`'s slot (a digest collision: this block stays
    /// uncached). The caller checked that `key` is not cached and `block` holds no entry.
    mutating func insert(_ key: Key, block: Int32) -> UInt64? {
        precondition(key.tokens.count == blockSize)
        let slot = Slot(key)
        guard blockBySlot[slot] == nil else { return nil }
        if tokensByBlock.isEmpty {
            // Taken once, at the first block cached: engines that never see token IDs (the
            // simulator's) never pay for it.
            tokensByBlock = Array(repeating: 0, count: blockCount * blockSize)
            blockBySlot.reserveCapacity(blockCount)
            newestChildByParent.reserveCapacity(blockCount)
        }
        let b = Int(block)
        tokensByBlock.withUnsafeMutableBufferPointer { all in
            _ = UnsafeMutableBufferPointer(rebasing: all[(b * blockSize)..<((b + 1) * blockSize)]).initialize(from: key.tokens)
        }
        let entry = nextEntry
        nextEntry += 1
        blockBySlot[slot] = block
        slotByBlock[b] = slot
        entryByBlock[b] = entry
        if let newest = newestChildByParent.updateValue(block, forKey: key.parent) {
            olderSibling[b] = newest
            newerSibling[Int(newest)] = block
        }
        return entry
    }

    /// Among the newest cached children of `parent`, the one whose tokens start with the
    /// longest run of `tokens` (fewer than a block's worth, or a whole block whose full match
    /// was not indexed), and that run's length; nil when none shares even the first token.
    func longestSharedStart(parent: UInt64, tokens: ArraySlice<Int32>) -> (block: Int32, tokenCount: Int)? {
        guard !tokens.isEmpty, var child = newestChildByParent[parent] else { return nil }
        var best: (block: Int32, tokenCount: Int)?
        for _ in 0..<Self.partialMatchCandidateLimit {
            let start = Int(child) * blockSize
            let shared = zip(tokensByBlock[start..<(start + blockSize)], tokens).prefix { $0 == $1 }.count
            if shared > (best?.tokenCount ?? 0) { best = (child, shared) }
            child = olderSibling[Int(child)]
            if child < 0 || shared == tokens.count { break }
        }
        return best
    }

    /// Takes `block` off its parent's list of children.
    private mutating func unlinkSibling(_ block: Int32) {
        let b = Int(block)
        let older = olderSibling[b], newer = newerSibling[b]
        if newer >= 0 {
            olderSibling[Int(newer)] = older
        } else if older >= 0 {
            newestChildByParent[slotByBlock[b].parent] = older
        } else {
            newestChildByParent[slotByBlock[b].parent] = nil
        }
        if older >= 0 { newerSibling[Int(older)] = newer }
        olderSibling[b] = -1
        newerSibling[b] = -1
    }

    /// Whether cached `block` holds exactly `tokens`.
    private func holds(_ block: Int32, _ tokens: ArraySlice<Int32>) -> Bool {
        let start = Int(block) * blockSize
        return tokens.count == blockSize && tokensByBlock[start..<(start + blockSize)].elementsEqual(tokens)
    }

    /// Appends a cached block that no request holds any more to the eviction order (newest).
    mutating func markEvictable(_ block: Int32) {
        let b = Int(block)
        precondition(entryByBlock[b] != 0 && !isEvictable[b])
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
        if isCached(block) {
            blockBySlot[slotByBlock[Int(block)]] = nil
            unlinkSibling(block)
        }
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

    /// True when the index and the per-block records agree (each indexed block holds the
    /// tokens its slot was made from), every evictable block is cached, the eviction list is
    /// well linked and as long as its count, and every cached block is on its parent's list of
    /// children exactly once (and nothing else is).
    func checkInvariants() -> Bool {
        for (slot, block) in blockBySlot {
            let b = Int(block)
            guard b < blockCount, entryByBlock[b] != 0, slotByBlock[b] == slot,
                  Slot(Key(parent: slot.parent, tokens: tokensByBlock[(b * blockSize)..<((b + 1) * blockSize)])) == slot
            else { return false }
        }
        var cached = 0
        for b in 0..<blockCount {
            if entryByBlock[b] != 0 {
                cached += 1
                guard blockBySlot[slotByBlock[b]] == Int32(b) else { return false }
            } else if isEvictable[b] {
                return false
            }
        }
        var listed = 0
        for (parent, newest) in newestChildByParent {
            guard newerSibling[Int(newest)] < 0 else { return false }
            var child = newest
            while child >= 0 {
                let c = Int(child)
                guard entryByBlock[c] != 0, slotByBlock[c].parent == parent, listed < cached else { return false }
                let older = olderSibling[c]
                if older >= 0 && newerSibling[Int(older)] != child { return false }
                listed += 1
                child = older
            }
        }
        let order = evictionOrder
        return cached == blockBySlot.count && listed == cached && order.count == evictableCount
            && order.allSatisfy { isEvictable[Int($0)] }
            && isEvictable.lazy.filter { $0 }.count == evictableCount
    }
}
