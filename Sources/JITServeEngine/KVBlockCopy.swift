/// A device KV block copied into another before an iteration runs: a request whose cached
/// prefix ends part-way into a block gets its own copy of that block, whose first slots hold
/// the shared tokens' KV and whose rest its prefill overwrites (`KVBlockManager+Prefix`).
public struct KVBlockCopy: Sendable, Equatable {
    public var source: Int32
    public var destination: Int32

    public init(source: Int32, destination: Int32) {
        self.source = source
        self.destination = destination
    }
}
