import JITServeCore

/// How far a request's full blocks have been offered to the prefix cache: `blockCount` blocks,
/// the last of them known by entry `lastEntry` (0 before the first).
struct PrefixChain: Sendable {
    var blockCount = 0
    var lastEntry: UInt64 = 0
}

extension KVBlockManager {
    /// Blocks holding a cached entry, in use or evictable.
    public var cachedBlockCount: Int { prefixCache.cachedBlockCount }

    /// Tokens at the start of `tokens` whose KV is cached — whole blocks, then the start of a
    /// cached block that shares the next tokens — at most `limit` tokens. Looks only; claims
    /// nothing.
    public func cachedPrefixTokenCount(of tokens: [Int32], limit: Int) -> Int {
        let prefix = cachedPrefix(of: tokens, limit: limit)
        return prefix.blocks.count * blockSize + (prefix.partial?.tokenCount ?? 0)
    }

    /// Gives `id`, which holds no device blocks and is not swapped out, a reference to each
    /// cached block at the start of `tokens` (at most `limit` tokens' worth) as the first
    /// entries of its table; when a cached block shares only the start of the next block's
    /// tokens, a fresh block of its own after them, to be filled by `copy` before the
    /// iteration. Returns the tokens covered — where its prefill starts — and that copy.
    ///
    /// The caller keeps `limit` below the tokens it will compute, so a claimed block is full
    /// and lies wholly before anything the request writes: shared blocks are only ever read.
    public mutating func claimCachedPrefix(
        _ id: RequestID, tokens: [Int32], limit: Int
    ) -> (tokenCount: Int, copy: KVBlockCopy?) {
        guard deviceTables[id] == nil, !isSwapped(id) else { return (0, nil) }
        var (table, chain, partial) = cachedPrefix(of: tokens, limit: limit)
        for block in table { retain(block) }
        var tokenCount = chain.blockCount * blockSize
        var copy: KVBlockCopy?
        if let partial {
            // Held while a block is taken for the copy, so it is not the one evicted for it.
            retain(partial.block)
            if freeBlockCount > 0 {
                let destination = takeFreeBlock()
                table.append(destination)
                copy = KVBlockCopy(source: partial.block, destination: destination)
                tokenCount += partial.tokenCount
            }
            release([partial.block])
        }
        guard !table.isEmpty else { return (0, nil) }
        deviceTables[id] = table
        chains[id] = chain
        return (tokenCount, copy)
    }

    /// Adds a reference to a cached block, taking it off the eviction order if nobody held it.
    private mutating func retain(_ block: Int32) {
        if referenceCount[Int(block)] == 0 { prefixCache.unmarkEvictable(block) }
        referenceCount[Int(block)] += 1
    }

    /// The cached blocks at the start of `tokens`, whole blocks and at most `limit` tokens, the
    /// chain they form, and the cached block (if any) whose first tokens continue them furthest
    /// within the limit (all empty when caching is off).
    private func cachedPrefix(
        of tokens: [Int32], limit: Int
    ) -> (blocks: [Int32], chain: PrefixChain, partial: (block: Int32, tokenCount: Int)?) {
        var chain = PrefixChain()
        var blocks: [Int32] = []
        guard isPrefixCachingEnabled else { return (blocks, chain, nil) }
        let end = min(limit, tokens.count)
        let blockLimit = end / blockSize
        while chain.blockCount < blockLimit {
            let start = chain.blockCount * blockSize
            let key = PrefixCache.Key(parent: chain.lastEntry, tokens: tokens[start..<(start + blockSize)])
            guard let block = prefixCache.block(for: key) else { break }
            blocks.append(block)
            chain.lastEntry = prefixCache.entry(of: block)
            chain.blockCount += 1
        }
        let start = chain.blockCount * blockSize
        guard start < end else { return (blocks, chain, nil) }
        let next = tokens[start..<min(end, start + blockSize)]
        return (blocks, chain, prefixCache.longestSharedStart(parent: chain.lastEntry, tokens: next))
    }

    /// Offers `id`'s newly full blocks — those wholly within its first `computedTokenCount`
    /// tokens, whose KV is now in place — to the prefix cache. A block whose content is
    /// cached already (another request computed the same prefix alongside) is not entered
    /// twice; the chain continues from the cached entry.
    public mutating func cacheFullBlocks(of id: RequestID, tokens: [Int32], computedTokenCount: Int) {
        guard isPrefixCachingEnabled, let table = deviceTables[id] else { return }
        let full = min(computedTokenCount, tokens.count) / blockSize
        var chain = chains[id] ?? PrefixChain()
        while chain.blockCount < min(full, table.count) {
            let start = chain.blockCount * blockSize
            let key = PrefixCache.Key(parent: chain.lastEntry, tokens: tokens[start..<(start + blockSize)])
            let block = table[chain.blockCount]
            if let cached = prefixCache.block(for: key) {
                chain.lastEntry = prefixCache.entry(of: cached)
            } else if !prefixCache.isCached(block), let entry = prefixCache.insert(key, block: block) {
                chain.lastEntry = entry
            } else {
                // A digest collision with another content (the block stays uncached), or a
                // cached block in a table not claimed under this key (cannot happen): stop
                // offering rather than index a block under two contents.
                break
            }
            chain.blockCount += 1
        }
        chains[id] = chain
    }
}
