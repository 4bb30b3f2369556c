/// Where each token of a forward pass sits: its row in the stacked activation, its sequence,
/// its position, and the KV slot it writes. Validated once, before any kernel runs.
struct BatchLayout {
    struct Sequence {
        var firstRow: Int
        var rowCount: Int
        var startPosition: Int
        var blockTable: [Int32]
    }

    var sequences: [Sequence] = []
    var tokens: [Int32] = []
    var positions: [Int] = []
    var sequenceOfRow: [Int] = []
    /// Rows whose logits are wanted (the last row of each such sequence, or all its rows), in
    /// sequence order.
    var sampledRows: [Int] = []

    var rowCount: Int { tokens.count }

    init(_ input: [ForwardSequence], cache: PagedKVCache, contextLength: Int) throws {
        for (index, sequence) in input.enumerated() {
            let end = sequence.startPosition + sequence.tokens.count
            let name = "sequence \(index)"
            guard sequence.startPosition >= 0 else {
                throw CPUError.invalidBatch(request: name, reason: "negative start position")
            }
            guard end <= contextLength else {
                throw CPUError.invalidBatch(
                    request: name, reason: "\(end) tokens exceed the model's context of \(contextLength)")
            }
            let blocksNeeded = (end + cache.blockSize - 1) / cache.blockSize
            guard sequence.blockTable.count >= blocksNeeded else {
                throw CPUError.invalidBatch(
                    request: name,
                    reason: "block table has \(sequence.blockTable.count) blocks, \(end) tokens need \(blocksNeeded)")
            }
            for block in sequence.blockTable.prefix(blocksNeeded)
            where block < 0 || Int(block) >= cache.blockCount {
                throw CPUError.invalidBatch(
                    request: name, reason: "KV block \(block) is outside 0..<\(cache.blockCount)")
            }
            if sequence.tokens.isEmpty {
                if sequence.wantsLogits {
                    throw CPUError.invalidBatch(request: name, reason: "logits wanted but no tokens given")
                }
                continue
            }
            let firstRow = tokens.count
            sequences.append(
                Sequence(
                    firstRow: firstRow, rowCount: sequence.tokens.count,
                    startPosition: sequence.startPosition, blockTable: sequence.blockTable))
            tokens.append(contentsOf: sequence.tokens)
            positions.append(contentsOf: sequence.startPosition..<end)
            sequenceOfRow.append(contentsOf: repeatElement(sequences.count - 1, count: sequence.tokens.count))
            if sequence.wantsAllLogits {
                sampledRows.append(contentsOf: firstRow..<tokens.count)
            } else if sequence.wantsLogits {
                sampledRows.append(tokens.count - 1)
            }
        }
    }

    /// The physical block and slot where the token of `row` keeps its keys and values.
    @inline(__always)
    func cacheSlot(row: Int, blockSize: Int) -> (block: Int, slot: Int) {
        let position = positions[row]
        let table = sequences[sequenceOfRow[row]].blockTable
        return (Int(table[position / blockSize]), position % blockSize)
    }
}
